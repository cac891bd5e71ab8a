/** Human formatting of durations, ages and times, the same in every view (runs, gates, audit, admin). */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, "0")} m`;
}

/** Duration between start and end, or up to `now` while still going; "—" before a start. */
export function spanOf(start: Date | null, end: Date | null, now: number): string {
  if (!start) return "—";
  return formatDuration((end ? end.getTime() : now) - start.getTime());
}

export function formatAge(at: Date, now: number): string {
  const s = Math.max(0, Math.round((now - at.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

export function formatTime(at: Date | null): string {
  return at ? at.toLocaleString() : "—";
}
