// `npm start`: prepare the database (preflight), build when needed, then serve with `next start`.
// `--no-build` serves the existing build (the browser tests build once, then start servers).
import { spawn, spawnSync } from "node:child_process";
import { bin, buildIfNeeded, root } from "./build-if-needed.mjs";

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

// 1. Environment, data/, migrations, first admin: fails fast with a clear message.
const pre = spawnSync(bin("tsx"), ["src/server/boot/preflight.ts"], { cwd: root, stdio: "inherit", env });
if (pre.status !== 0) process.exit(pre.status ?? 1);

// 2. Build the production app when needed.
if (!process.argv.includes("--no-build")) buildIfNeeded();

// 3. Serve. HOST and PORT were validated by the preflight.
const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "3000";
const server = spawn(bin("next"), ["start", "--hostname", host, "--port", port], { cwd: root, stdio: "inherit", env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
