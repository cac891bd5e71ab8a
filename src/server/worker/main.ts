/**
 * `npm run worker`: a standalone worker on DATABASE_URL (same environment as the server). Start as
 * many as you like, on as many machines as you like; they share the work through the task table.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

// Migrations and environment first, as `npm start` does (safe to run beside a server).
const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const pre = spawnSync(process.execPath, ["--import", "tsx", join(root, "src/server/boot/preflight.ts")], { stdio: "inherit", cwd: root });
if (pre.status !== 0) process.exit(pre.status ?? 1);

const { startWorker, stopOnSignals } = await import("./runtime");
const started: { worker?: ReturnType<typeof startWorker> } = {};
stopOnSignals(() => started.worker, true);
started.worker = startWorker("standalone");
