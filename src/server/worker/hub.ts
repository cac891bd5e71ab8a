/**
 * In-process wake-ups: the API wakes this process's embedded worker when it queues work, so a run
 * started from the UI starts at once instead of at the next poll. Other processes poll (SQLite) or
 * listen for NOTIFY (PostgreSQL).
 */
const g = globalThis as unknown as { __wfWakers?: Set<() => void>; __wfRemote?: () => void };
const wakers = (g.__wfWakers ??= new Set());

export function onWork(fn: () => void): () => void {
  wakers.add(fn);
  return () => wakers.delete(fn);
}

/** Sets how other processes are told (PostgreSQL NOTIFY). */
export function setRemoteNotify(fn: () => void): void {
  g.__wfRemote = fn;
}

/** Work was queued: wake this process's worker, and tell the other processes. */
export function notifyWork(): void {
  for (const fn of wakers) fn();
  g.__wfRemote?.();
}

/** Wakes only this process's worker (a notification from another process arrived). */
export function wakeLocal(): void {
  for (const fn of wakers) fn();
}
