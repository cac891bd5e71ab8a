#!/usr/bin/env node
// Launcher for `npx wf`: runs src/cli/main.ts through tsx, resolved from this file's location so it
// works from any directory.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Resolve tsx from the project, not from the caller's directory.
const tsx = import.meta.resolve("tsx");
const result = spawnSync(process.execPath, ["--import", tsx, join(root, "src/cli/main.ts"), ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: process.cwd(),
  env: { ...process.env, TSX_TSCONFIG_PATH: join(root, "tsconfig.json") },
});
process.exit(result.status ?? 1);
