import type { TApproval, TAuditEntry, TLogLine, TRun, TRunStep, TRunSummary } from "./api-client";
import { terminalSafe } from "./terminal-safe";

/**
 * Pure formatting of what the server returns: tables, durations, ages, progress bars, the lines of
 * `wf run --wait`. Times are passed in (`now`) so tests are deterministic.
 */

/**
 * Left-aligned columns separated by two spaces; the last column is not padded. Cells are made
 * terminal-safe first (they hold server text), so the widths are those that will be printed.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((r) => r.map((cell) => terminalSafe(cell)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - cell.length))))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** 850 ms, 12.3s, 4m05s, 2h03m, 3d04h. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

/** How long ago: 5s, 3m, 2h, 4d. */
export function age(iso: string | null, now: number): string {
  if (!iso) return "-";
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "-";
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** From start to finish, or to now while running; "-" when not started. */
export function elapsed(startedAt: string | null, finishedAt: string | null, now: number): string {
  if (!startedAt) return "-";
  return duration((finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt));
}

/** `[######----]` for done/total. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** Cuts a cell to `max` characters with an ellipsis; newlines become spaces. */
export function truncate(s: string, max: number): string {
  const one = s.replace(/\s*\n\s*/g, " ");
  return one.length <= max ? one : `${one.slice(0, Math.max(0, max - 1))}…`;
}

function stepNote(step: TRunStep): string {
  return step.error?.message ?? step.reason ?? "";
}

/** `wf status`: the run, then one row per step. */
export function formatRunStatus(run: TRun, now: number): string {
  const lines = [
    `run       ${run.id}`,
    `workflow  ${run.workflow} v${run.version}`,
    `status    ${run.status}${run.reason ? ` (${run.reason})` : ""}`,
    `progress  ${progressBar(run.progress.done, run.progress.total)} ${run.progress.done}/${run.progress.total} done, ${run.progress.running} running`,
    `started   ${run.startedAt ?? "-"}${run.startedBy ? ` by ${run.startedBy}` : ""}`,
    `duration  ${elapsed(run.startedAt, run.finishedAt, now)}`,
    "",
  ];
  const rows = run.steps.map((s) => [s.id, s.type, s.status, s.attempt > 0 ? String(s.attempt) : "-", elapsed(s.startedAt, s.finishedAt, now), truncate(stepNote(s), 100)]);
  lines.push(table(["STEP", "TYPE", "STATUS", "ATTEMPT", "DURATION", "ERROR/REASON"], rows));
  return lines.join("\n");
}

/** `wf runs`: one row per run. */
export function formatRunsTable(runs: readonly TRunSummary[], now: number): string {
  if (runs.length === 0) return "no runs";
  const rows = runs.map((r) => [
    r.id,
    `${r.workflow} v${r.version}`,
    r.status,
    `${r.progress.done}/${r.progress.total}`,
    String(r.progress.running),
    r.startedBy ?? "-",
    age(r.createdAt, now),
  ]);
  return table(["ID", "WORKFLOW", "STATUS", "PROGRESS", "RUNNING", "STARTED BY", "AGE"], rows);
}

/** `wf runs --watch`: active runs with a progress bar and the ids of their running steps. */
export function formatWatchTable(runs: readonly { run: TRunSummary; running: readonly string[] }[], now: number): string {
  if (runs.length === 0) return "no active runs";
  const rows = runs.map(({ run, running }) => [
    run.id,
    `${run.workflow} v${run.version}`,
    run.status,
    `${progressBar(run.progress.done, run.progress.total, 16)} ${run.progress.done}/${run.progress.total}`,
    truncate(running.join(",") || "-", 40),
    age(run.createdAt, now),
  ]);
  return table(["ID", "WORKFLOW", "STATUS", "PROGRESS", "RUNNING STEPS", "AGE"], rows);
}

/** A step's status or attempt changed since the previous poll. */
export type StepTransition = { step: string; from: TRunStep["status"] | undefined; to: TRunStep["status"]; attempt: number; error: string | null };

/** The transitions between two polls of a run; steps absent before count as new (from undefined). */
export function stepTransitions(before: readonly TRunStep[], after: readonly TRunStep[]): StepTransition[] {
  const prev = new Map(before.map((s) => [s.id, s]));
  const out: StepTransition[] = [];
  for (const s of after) {
    const p = prev.get(s.id);
    if (p && p.status === s.status && p.attempt === s.attempt) continue;
    // Steps that merely exist (pending) at the first poll are not news.
    if (!p && s.status === "pending") continue;
    out.push({ step: s.id, from: p?.status, to: s.status, attempt: s.attempt, error: s.error?.message ?? (s.status === "skipped" || s.status === "cancelled" ? s.reason : null) });
  }
  return out;
}

/** `12:03:04  build  running  attempt 1` and the error when there is one. */
export function formatTransition(t: StepTransition, at: Date): string {
  const parts = [clock(at), t.step, t.to];
  if (t.attempt > 0) parts.push(`attempt ${t.attempt}`);
  if (t.error) parts.push(truncate(t.error, 200));
  return parts.join("  ");
}

/** HH:MM:SS in local time. */
export function clock(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** One log line; `step` prefixes it when logs of several steps are interleaved. */
export function formatLogLine(line: TLogLine, step?: string): string {
  return step === undefined ? line.text : `[${step}] ${line.text}`;
}

/** How long a gate waited: until its decision, or until now while pending. */
export function waited(gate: Pick<TApproval, "requestedAt" | "decidedAt">, now: number): string {
  return duration((gate.decidedAt ? Date.parse(gate.decidedAt) : now) - Date.parse(gate.requestedAt));
}

/** When a pending gate expires: `in 2h03m`, `expired`, `never`; "-" once decided. */
export function expires(gate: Pick<TApproval, "status" | "expiresAt">, now: number): string {
  if (gate.status !== "pending") return "-";
  if (!gate.expiresAt) return "never";
  const ms = Date.parse(gate.expiresAt) - now;
  if (!Number.isFinite(ms)) return "-";
  return ms <= 0 ? "expired" : `in ${duration(ms)}`;
}

/** `yes`, or `no (why not)`. */
export function canDecide(gate: Pick<TApproval, "canDecide">): string {
  return gate.canDecide.ok ? "yes" : `no (${truncate(gate.canDecide.reason ?? "not allowed", 80)})`;
}

/** `wf approvals`: one row per gate. */
export function formatApprovalsTable(gates: readonly TApproval[], now: number, status?: string): string {
  if (gates.length === 0) return status ? `no ${status} approvals` : "no approvals";
  const rows = gates.map((g) => [g.id, g.workflow, g.runId, g.stepId, waited(g, now), expires(g, now), canDecide(g)]);
  return table(["ID", "WORKFLOW", "RUN", "STEP", "WAITED", "EXPIRES", "CAN I DECIDE"], rows);
}

/** `wf audit log`: one row per entry, oldest first. */
export function formatAuditTable(entries: readonly TAuditEntry[]): string {
  if (entries.length === 0) return "no audit entries";
  return table(
    ["ID", "AT", "ACTOR", "ACTION", "TARGET"],
    entries.map((e) => [String(e.id), e.at, e.actor, e.action, e.target]),
  );
}
