/** Builds a worker from the environment: store, executors with log routing, crashpoints, wake-ups. */
import { env, processEnvForChildren } from "~/env";
import { createExecutors } from "~/server/executors";
import { logger } from "~/server/logger";
import { engineStore } from "~/server/store/instance";
import { notifyWork, onWork, setRemoteNotify, wakeLocal } from "./hub";
import { createJobRunner } from "./notifications";
import { startPgWakeups } from "./pg-wakeups";
import { stepLimits, stepSandbox } from "./step-sandbox";
import { Worker, type Crashpoint } from "./worker";

/** Test-only crash injection: SIGKILL this process the (WF_CRASH_SKIP+1)th time `point` is reached. */
export function crashpoints(): ((point: Crashpoint) => void) | undefined {
  if (!env.WF_TEST_CRASHPOINTS || !env.WF_CRASH_AT) return undefined;
  const target = env.WF_CRASH_AT;
  let hits = 0;
  return (point) => {
    if (point !== target) return;
    if (hits++ < env.WF_CRASH_SKIP) return;
    logger.warn({ point }, "crashpoint reached: SIGKILL");
    process.kill(process.pid, "SIGKILL");
  };
}

let wakeupsStarted = false;

/** On PostgreSQL: LISTEN for other processes' work and NOTIFY them of ours (once per process). */
export function startWakeups(): void {
  if (wakeupsStarted || env.databaseKind !== "postgresql") return;
  wakeupsStarted = true;
  const w = startPgWakeups(env.DATABASE_URL, wakeLocal);
  setRemoteNotify(w.notify);
}

export function startWorker(kind: "embedded" | "standalone"): Worker {
  startWakeups();
  const crashAt = crashpoints();
  const store = engineStore({
    leaseMs: env.WORKER_LEASE_MS,
    crashpoint: crashAt ? (point) => crashAt(point) : undefined,
  });
  const sink: { worker?: Worker } = {};
  const executors = createExecutors({
    dataDir: env.dataDir,
    allowHosts: env.HTTP_ALLOW_HOSTS,
    // Shell steps inherit only a few harmless variables of this environment (see shell-executor).
    baseEnv: processEnvForChildren(),
    // A $WF_OUTPUT file over the output limit is refused before it is read (the engine checks every output too).
    shell: { maxOutputBytes: env.STEP_OUTPUT_MAX_BYTES },
    sandbox: stepSandbox(),
    limits: stepLimits(),
    // The returned promise pauses the step's output while its lines wait to be written.
    onLog: (l) => sink.worker?.log({ runId: l.runId, stepId: l.stepId, attempt: l.attempt, stream: l.stream, text: l.line, at: l.at }),
  });
  const log = logger.child({ worker: kind });
  const engineLogger = {
    debug: (m: string, f?: Record<string, unknown>) => log.debug(f ?? {}, m),
    info: (m: string, f?: Record<string, unknown>) => log.info(f ?? {}, m),
    warn: (m: string, f?: Record<string, unknown>) => log.warn(f ?? {}, m),
    error: (m: string, f?: Record<string, unknown>) => log.error(f ?? {}, m),
  };
  const w = new Worker({
    store,
    executors,
    concurrency: env.WORKER_CONCURRENCY,
    logMaxBytes: env.STEP_LOG_MAX_BYTES,
    pollMs: env.WORKER_POLL_MS,
    crashAt,
    onQueued: notifyWork,
    onJob: createJobRunner({ store, allowHosts: env.HTTP_ALLOW_HOSTS, baseUrl: env.nextAuthUrl, logger: engineLogger, onQueued: notifyWork, maxPayloadBytes: env.WEBHOOK_PAYLOAD_MAX_BYTES }),
    logger: engineLogger,
  });
  sink.worker = w;
  onWork(() => w.wake());
  w.start();
  log.info({ owner: w.owner, concurrency: env.WORKER_CONCURRENCY, database: env.databaseKind }, "worker started");
  return w;
}

/**
 * SIGTERM/SIGINT: stop claiming, let running steps finish within the grace period, release the rest.
 * Installed before the worker starts (`worker` is read when a signal comes), so a signal at any
 * moment of the start is a graceful stop too.
 */
export function stopOnSignals(worker: () => Worker | undefined, exit: boolean): void {
  let stopping = false;
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
      if (stopping) return;
      stopping = true;
      const w = worker();
      logger.info({ signal: sig, running: w?.activeSteps ?? 0, graceMs: env.WORKER_SHUTDOWN_GRACE_MS }, "worker stopping");
      void (w ? w.stop(env.WORKER_SHUTDOWN_GRACE_MS) : Promise.resolve()).finally(() => {
        logger.info("worker stopped");
        if (exit) process.exit(0);
      });
    });
  }
}
