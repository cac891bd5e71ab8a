/**
 * Next.js instrumentation hook: starts the embedded worker inside `npm start` (EMBEDDED_WORKER,
 * default true). Node.js runtime only.
 */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is set by Next.js itself (not configuration): which runtime loads this file.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("~/env");
  if (!env.EMBEDDED_WORKER) return;
  const { startWorker, stopOnSignals } = await import("~/server/worker/runtime");
  stopOnSignals(startWorker("embedded"), true);
}
