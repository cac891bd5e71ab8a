// The browser tests' server: a fresh data directory every run, then `npm start` without building
// (test:e2e built already). Playwright passes the environment (see playwright.config.ts).
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { root } from "./build-if-needed.mjs";

const dataDir = process.env.DATA_DIR;
if (!dataDir || !dataDir.startsWith("test-results/")) {
  console.error("e2e-server: DATA_DIR must be under test-results/ (it is deleted on start)");
  process.exit(2);
}
rmSync(join(root, dataDir), { recursive: true, force: true });
const child = spawn(process.execPath, [join(root, "scripts/start.mjs"), "--no-build"], { cwd: root, stdio: "inherit", env: process.env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code) => process.exit(code ?? 1));
