// Runs before each test file (in that file's process): a fresh data directory and SQLite database
// per file, so database suites never share state. src/env.ts reads these when first imported.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "wf-test-"));
process.env.DATA_DIR = dir;
process.env.DATABASE_URL = `file:${join(dir, "test.db")}`;
process.env.NEXTAUTH_SECRET ??= "test-secret-test-secret-test-secret";
process.env.LOG_LEVEL ??= "error";
