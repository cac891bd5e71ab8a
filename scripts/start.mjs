// `npm start`: build when needed, prepare the database (preflight), then serve with `next start`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** A build is needed when there is none, or a source is newer than it. */
function needsBuild() {
  const buildId = join(root, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const sources = ["src", "public", "next.config.mjs", "tailwind.config.ts", "postcss.config.mjs", "package-lock.json", "tsconfig.json"];
  return sources.some((s) => newestMtime(join(root, s)) > built);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// 1. Environment, data/, migrations, first admin: fails fast with a clear message.
run(bin("tsx"), ["src/server/boot/preflight.ts"]);

// 2. Build the production app when needed.
if (needsBuild()) {
  console.log("Building the app (first start or sources changed)...");
  run(bin("next"), ["build"]);
}

// 3. Serve.
const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "3000";
const server = spawn(bin("next"), ["start", "--hostname", host, "--port", port], { cwd: root, stdio: "inherit", env: process.env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
