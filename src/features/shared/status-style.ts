/**
 * How a status looks wherever it is shown (runs, steps in a gate panel, a workflow's runs). Exhaustive
 * records, so a new status in src/engine/status.ts fails the type check here instead of falling
 * through silently.
 */
import type { RunStatus, StepStatus } from "~/engine/status";

/** Tailwind classes of a status badge: colour carries meaning, the text carries it too. */
const GREY = "bg-slate-100 text-slate-700 ring-slate-300";
const BLUE = "bg-sky-50 text-sky-800 ring-sky-300";
const AMBER = "bg-amber-50 text-amber-800 ring-amber-300";
const GREEN = "bg-emerald-50 text-emerald-800 ring-emerald-300";
const RED = "bg-red-50 text-red-800 ring-red-300";
const VIOLET = "bg-violet-50 text-violet-800 ring-violet-300";

export const RUN_STATUS_STYLE: Record<RunStatus, string> = {
  queued: GREY,
  running: BLUE,
  paused: AMBER,
  waiting_approval: VIOLET,
  succeeded: GREEN,
  failed: RED,
  cancelled: GREY,
};

export const STEP_STATUS_STYLE: Record<StepStatus, string> = {
  pending: GREY,
  ready: GREY,
  running: BLUE,
  succeeded: GREEN,
  failed: RED,
  skipped: GREY,
  cancelled: GREY,
  waiting_approval: VIOLET,
  waiting_retry: AMBER,
};

/** Colour of a progress bar / graph node border, by step status. */
export const STEP_STATUS_DOT: Record<StepStatus, string> = {
  pending: "bg-slate-300",
  ready: "bg-slate-400",
  running: "bg-sky-500",
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  skipped: "bg-slate-300",
  cancelled: "bg-slate-400",
  waiting_approval: "bg-violet-500",
  waiting_retry: "bg-amber-500",
};

export function statusLabel(status: string): string {
  return status.replace(/_/g, " ");
}
