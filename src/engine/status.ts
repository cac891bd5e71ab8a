/**
 * Every status vocabulary of the engine, in one place (CONVENTIONS.md #4).
 * Nothing else lists or classifies status strings inline: use the lists and helpers below. Each
 * classification is an exhaustive table (a new status does not compile until it is classified)
 * and each list is derived from its table, so a list and its `is*` helper cannot disagree.
 */

export const STEP_STATUSES = [
  "pending",
  "ready",
  "running",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
  "waiting_approval",
  "waiting_retry",
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const RUN_STATUSES = ["queued", "running", "paused", "waiting_approval", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const GATE_STATUSES = [
  "pending",
  "approved",
  "modified",
  "retried",
  "skipped",
  "rejected",
  "cancelled",
  "expired",
] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

/** What a step status means: `terminal` never changes again; `active` was started and is not finished. */
const STEP_CLASS: Readonly<Record<StepStatus, "waiting" | "active" | "terminal">> = {
  pending: "waiting",
  ready: "active",
  running: "active",
  waiting_approval: "active",
  waiting_retry: "active",
  succeeded: "terminal",
  failed: "terminal",
  skipped: "terminal",
  cancelled: "terminal",
};

/** Steps that will never change again (within the run). */
export const TERMINAL_STEP_STATUSES: readonly StepStatus[] = STEP_STATUSES.filter((s) => STEP_CLASS[s] === "terminal");
/** Steps with work in flight or parked (ready, running, waiting_approval, waiting_retry): a cancel reaches them. */
export const ACTIVE_STEP_STATUSES: readonly StepStatus[] = STEP_STATUSES.filter((s) => STEP_CLASS[s] === "active");

/** A step that will never change again (within the run). */
export function isTerminal(status: StepStatus): boolean {
  return STEP_CLASS[status] === "terminal";
}

/** A step that may be handed to an executor now (its needs are met, it only waits for a slot). */
export function isRunnable(status: StepStatus): boolean {
  return status === "ready";
}

/** A step that has been started and is not finished: it has work in flight or parked. */
export function isActive(status: StepStatus): boolean {
  return STEP_CLASS[status] === "active";
}

/**
 * Whether a finished need lets its dependents run. Skipped counts as satisfied; failed only when the
 * failed step has `continue_on_failure` (the caller passes that flag).
 */
export function isSatisfied(status: StepStatus, continueOnFailure: boolean): boolean {
  if (status === "succeeded" || status === "skipped") return true;
  if (status === "failed") return continueOnFailure;
  return false;
}

export function isStepStatus(value: string): value is StepStatus {
  return (STEP_STATUSES as readonly string[]).includes(value);
}

/** A stored status (a database column is a string) that is a terminal step status. */
export function isTerminalStepName(value: string): boolean {
  return isStepStatus(value) && isTerminal(value);
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

/** What a run status means: `active` may start steps, `held` may not yet or for now, `terminal` has ended. */
const RUN_CLASS: Readonly<Record<RunStatus, "held" | "active" | "terminal">> = {
  queued: "held",
  paused: "held",
  running: "active",
  waiting_approval: "active",
  succeeded: "terminal",
  failed: "terminal",
  cancelled: "terminal",
};

/** Runs that have ended (a retry may reopen a failed or cancelled one). */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => RUN_CLASS[s] === "terminal");

export function isRunTerminal(status: RunStatus): boolean {
  return RUN_CLASS[status] === "terminal";
}

/** A stored status (a database column is a string) that is a terminal run status. */
export function isTerminalRunName(value: string): boolean {
  return isRunStatus(value) && isRunTerminal(value);
}

/** A run that may start new steps. */
export function isRunActive(status: RunStatus): boolean {
  return RUN_CLASS[status] === "active";
}

/** Created, not started yet: `run_started` applies to it only. */
export function isRunQueued(status: RunStatus): boolean {
  return status === "queued";
}

export function isRunPaused(status: RunStatus): boolean {
  return status === "paused";
}

// ---- operator controls of a run -------------------------------------------------------------
// THE rule of which control a run accepts in which status. decide() (scheduler/run-events.ts,
// scheduler/retry-run.ts) applies it, the service refuses the others with a conflict before any
// event exists, and the UI offers only these buttons: one rule, so they cannot disagree.

/** In the order a UI shows them. */
export const RUN_CONTROLS = ["pause", "resume", "cancel", "retry"] as const;
export type RunControl = (typeof RUN_CONTROLS)[number];

/** Pause: a run that may start steps stops starting them (running steps finish). Not a queued run: it has not started. */
export function canPauseRun(status: RunStatus): boolean {
  return isRunActive(status);
}

export function canResumeRun(status: RunStatus): boolean {
  return isRunPaused(status);
}

/** Cancel: any run that has not ended (queued and paused ones included). */
export function canCancelRun(status: RunStatus): boolean {
  return !isRunTerminal(status);
}

/** Retry (of the failed region): a run that failed or was cancelled; a succeeded run has nothing to re-run. */
export function canRetryRun(status: RunStatus): boolean {
  return status === "failed" || status === "cancelled";
}

const CONTROL_RULE: Readonly<Record<RunControl, (status: RunStatus) => boolean>> = {
  pause: canPauseRun,
  resume: canResumeRun,
  cancel: canCancelRun,
  retry: canRetryRun,
};

export function canControlRun(control: RunControl, status: RunStatus): boolean {
  return CONTROL_RULE[control](status);
}

/** The controls a run in `status` accepts, in RUN_CONTROLS order. */
export function runControls(status: RunStatus): RunControl[] {
  return RUN_CONTROLS.filter((control) => CONTROL_RULE[control](status));
}

export function isGateOpen(status: GateStatus): boolean {
  return status === "pending";
}

export function isGateTerminal(status: GateStatus): boolean {
  return !isGateOpen(status);
}
