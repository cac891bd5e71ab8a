/**
 * What the run views offer for each status (how a status looks is shared: ~/features/shared/status-style).
 * Exhaustive records, so a new status in src/engine/status.ts fails the type check here.
 */
import { isRunTerminal, isTerminal, RUN_STATUSES, runControls, type RunControl } from "~/engine/status";
import type { RunStatus, StepStatus } from "./run-types";

export { RUN_STATUSES };

export type RunAction = RunControl;

/** The engine's rule (status.ts runControls), as the server applies it; the server still decides. */
export function runActions(status: RunStatus): readonly RunAction[] {
  return runControls(status);
}

/** A run whose page should keep refreshing: anything not finished, paused runs included. */
export function isRunLive(status: RunStatus): boolean {
  return !isRunTerminal(status);
}

export function isStepFinished(status: StepStatus): boolean {
  return isTerminal(status);
}
