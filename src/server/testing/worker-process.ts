/** A real standalone worker process (`src/server/worker/main.ts`) on the test's database, for crash and scale-out suites. */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { env, processEnvForChildren } from "~/env";

const ROOT = resolve(__dirname, "../../..");

export type WorkerProcess = {
  /** The worker's lease owner id, once it has started. */
  owner: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
};

const running = new Set<WorkerProcess>();

export function spawnWorkerProcess(extra: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/server/worker/main.ts")], {
    cwd: ROOT,
    env: {
      NODE_ENV: "production",
      PATH: processEnvForChildren().PATH,
      HOME: processEnvForChildren().HOME,
      DATABASE_URL: env.DATABASE_URL,
      DATA_DIR: env.dataDir,
      NEXTAUTH_SECRET: "worker-process-secret-0123456789",
      WORKER_LEASE_MS: "1500",
      WORKER_POLL_MS: "50",
      WORKER_CONCURRENCY: "4",
      WORKER_SHUTDOWN_GRACE_MS: "2000",
      LOG_LEVEL: "info", // the "worker started" line carries the owner id
      ...extra,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const owner = new Promise<string>((r) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"owner":"([^"]+)"[^\n]*"worker started"/.exec(out);
      if (m?.[1]) r(m[1]);
    });
  });
  const handle: WorkerProcess = {
    owner,
    exit: new Promise((r) => child.on("exit", (code, signal) => (running.delete(handle), r({ code, signal })))),
    kill: (signal) => child.kill(signal),
  };
  running.add(handle);
  return handle;
}

/** SIGKILLs every worker a test started (a failed case must not leave workers polling). */
export async function killWorkerProcesses(): Promise<void> {
  const all = [...running];
  for (const w of all) w.kill("SIGKILL");
  await Promise.all(all.map((w) => w.exit));
}
