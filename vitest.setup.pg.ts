// PostgreSQL project: a fresh database per test file on the TEST_DATABASE_URL server, so database
// suites never share state. src/env.ts reads these when first imported.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll } from "vitest";

const admin = process.env.TEST_DATABASE_URL;
if (!admin) throw new Error("TEST_DATABASE_URL is not set");
const name = `wf_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const client = new pg.Client({ connectionString: admin });
await client.connect();
await client.query(`CREATE DATABASE "${name}"`);
await client.end();
// Dropped after the file's own hooks (they run first), connections and all.
afterAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP DATABASE "${name}" WITH (FORCE)`);
  await c.end();
});
const url = new URL(admin);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();
process.env.DATA_DIR = mkdtempSync(join(tmpdir(), "wf-test-pg-"));
process.env.NEXTAUTH_SECRET ??= "test-secret-test-secret-test-secret";
process.env.LOG_LEVEL ??= "error";
