import { canPauseRun, canResumeRun, isRunQueued } from "../status";
import type { DecisionDraft, EventOf, Followup } from "./decision-draft";

// Events about the whole run: its start, operator controls (status.ts says which status accepts
// which; decide() never sees a finished run here) and its timeout.

export function onRunStarted(d: DecisionDraft, event: EventOf<"run_started">): Followup {
  if (!isRunQueued(d.state.run.status)) return "done";
  d.runPatch.status = "running";
  d.runPatch.startedAt = event.at;
  scheduleRunTimeout(d, event.at);
  for (const root of d.plan.roots) d.ready(root);
  return "settle";
}

/** The run's `timeout:` counts from `at` (its start, or a run retry). */
export function scheduleRunTimeout(d: DecisionDraft, at: number): void {
  if (d.plan.timeoutMs === undefined) return;
  d.commands.push({ kind: "schedule_timer", runId: d.runId, stepId: "", attempt: 0, timer: "run_timeout", at: at + d.plan.timeoutMs });
}

export function onRunCancelRequested(d: DecisionDraft, event: EventOf<"run_cancel_requested">): Followup {
  d.abortRun("cancelled", event.reason ?? (event.by ? `cancelled by ${event.by}` : "cancelled"));
  return "settle";
}

export function onRunTimedOut(d: DecisionDraft, _event: EventOf<"run_timed_out">): Followup {
  d.abortRun("failed", `run timed out after ${d.plan.timeoutMs ?? 0}ms`);
  return "settle";
}

/** Running steps finish; nothing new starts until resumed (so nothing is settled now). */
export function onRunPauseRequested(d: DecisionDraft, _event: EventOf<"run_pause_requested">): Followup {
  if (canPauseRun(d.state.run.status)) d.runPatch.status = "paused";
  return "done";
}

export function onRunResumeRequested(d: DecisionDraft, _event: EventOf<"run_resume_requested">): Followup {
  if (!canResumeRun(d.state.run.status)) return "done";
  d.runPatch.status = "running";
  return "settle";
}
