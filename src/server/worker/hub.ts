/**
 * In-process wake-ups: the API wakes this process's embedded worker when it queues work, so a run
 * started from the UI starts at once instead of at the next poll. Other processes poll (SQLite) or
 * listen for NOTIFY (PostgreSQL).
 */
const g = globalThis as unknown as { __wfWakers?: Set<() => void> };
const wakers = (g.__wfWakers ??= new Set());

export function onWork(fn: () => void): () => void {
  wakers.add(fn);
  return () => wakers.delete(fn);
}

export function notifyWork(): void {
  for (const fn of wakers) fn();
}
