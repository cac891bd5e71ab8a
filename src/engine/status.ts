/**
 * Every status vocabulary of the engine, in one place (CONVENTIONS.md #4).
 * Nothing else compares status strings inline: use the helpers below.
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

/** A step that will never change again (within the run). */
export function isTerminal(status: StepStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "skipped" || status === "cancelled";
}

/** A step that may be handed to an executor now (its needs are met, it only waits for a slot). */
export function isRunnable(status: StepStatus): boolean {
  return status === "ready";
}

/** A step that has been started and is not finished: it has work in flight or parked. */
export function isActive(status: StepStatus): boolean {
  return status === "running" || status === "waiting_approval" || status === "waiting_retry" || status === "ready";
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

export function isRunTerminal(status: RunStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

/** A run that may start new steps. */
export function isRunActive(status: RunStatus): boolean {
  return status === "running" || status === "waiting_approval";
}

export function isRunPaused(status: RunStatus): boolean {
  return status === "paused";
}

export function isGateOpen(status: GateStatus): boolean {
  return status === "pending";
}

export function isGateTerminal(status: GateStatus): boolean {
  return !isGateOpen(status);
}
