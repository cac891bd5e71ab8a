/**
 * What an audit entry changed, field by field: the top-level keys of before and after whose values
 * differ (a new object: every key of after; a deleted one: every key of before). Pure.
 */
export type FieldChange = { key: string; before: unknown; after: unknown };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((k) => ({ key: k, before: b[k], after: a[k] }));
}

/** A value in one short line for the changes column (long text is cut; the full JSON is one click away). */
export function shortValue(v: unknown, max = 60): string {
  if (v === undefined) return "—";
  const text = typeof v === "string" ? (v.includes("\n") ? `${v.split("\n").length} lines` : v) : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export type AuditFilters = { actor: string; action: string; target: string; from: string; to: string };

/** Filters as query parameters (empty ones left out; local datetime-local values sent as ISO). */
export function filterParams(f: AuditFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.actor.trim()) out.actor = f.actor.trim();
  if (f.action) out.action = f.action;
  if (f.target.trim()) out.target = f.target.trim();
  for (const k of ["from", "to"] as const) {
    const d = f[k] ? new Date(f[k]) : null;
    if (d && !Number.isNaN(d.getTime())) out[k] = d.toISOString();
  }
  return out;
}

/** The JSON-lines export of what the page shows (newest first), for a download link. */
export function exportUrl(f: AuditFilters): string {
  return `/api/v1/audit?${new URLSearchParams({ ...filterParams(f), order: "desc", format: "jsonl" }).toString()}`;
}
