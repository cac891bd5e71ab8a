// `npm start`: prepare the database (preflight), build when needed, then serve (scripts/serve.mjs).
// `--no-build` serves the existing build (the browser tests build once, then start servers).
import { spawn, spawnSync } from "node:child_process";
import { bin, buildIfNeeded, root } from "./build-if-needed.mjs";

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

// 1. Environment, data/, migrations, first admin: fails fast with a clear message.
const pre = spawnSync(bin("tsx"), ["src/server/boot/preflight.ts"], { cwd: root, stdio: "inherit", env });
if (pre.status !== 0) process.exit(pre.status ?? 1);

// 2. Build the production app when needed.
if (!process.argv.includes("--no-build")) buildIfNeeded();

// 3. Serve (scripts/serve.mjs: `next start` that records each request's source address). HOST and
// PORT were validated by the preflight.
const server = spawn(process.execPath, ["scripts/serve.mjs"], { cwd: root, stdio: "inherit", env: { ...env, NODE_ENV: "production" } });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
