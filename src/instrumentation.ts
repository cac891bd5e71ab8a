/**
 * Next.js instrumentation hook: starts the embedded worker inside `npm start` (EMBEDDED_WORKER,
 * default true). Node.js runtime only.
 */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is set by Next.js itself (not configuration): which runtime loads this file.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("~/env");
  const { startWakeups, startWorker, stopOnSignals } = await import("~/server/worker/runtime");
  // A server without a worker still tells the workers on PostgreSQL when it queues work.
  startWakeups();
  if (!env.EMBEDDED_WORKER) return;
  const started: { worker?: ReturnType<typeof startWorker> } = {};
  stopOnSignals(() => started.worker, true);
  started.worker = startWorker("embedded");
}
