import { planNodeOf, type Plan, type PlanNode } from "../graph/compile-plan";
import { isTerminal, type StepStatus } from "../status";
import type { RunCounters } from "./types";

/**
 * THE definition of the run counters (RunHeader.counters): what one record in `status` counts for.
 * A decision never edits a counter by hand: every status change of a record goes through
 * `countStatusChange` (DecisionDraft.put), so the counters of a run always equal these sums over
 * its records, and a new transition cannot forget its delta.
 *
 * - remaining: not terminal (the run ends when it reaches 0);
 * - running: running and holding a concurrency slot (task and subworkflow steps);
 * - failed: failed without `continue_on_failure` (of the step, or of a foreach's template);
 * - waitingApproval: an open gate.
 */
function count(delta: RunCounters, status: StepStatus, node: NodeFlags, sign: 1 | -1): void {
  if (!isTerminal(status)) delta.remaining += sign;
  if (status === "running" && node.occupiesSlot) delta.running += sign;
  if (status === "failed" && !node.continueOnFailure) delta.failed += sign;
  if (status === "waiting_approval") delta.waitingApproval += sign;
}

export function zeroCounters(): RunCounters {
  return { remaining: 0, running: 0, failed: 0, waitingApproval: 0 };
}

/** Adds to `delta` what record `id` moving from `before` (undefined: a new record) to `after` changes. */
export function countStatusChange(delta: RunCounters, before: StepStatus | undefined, after: StepStatus, plan: Plan, id: string): void {
  if (before === after) return;
  // The node's flags matter only to `running` and `failed`: most changes never look it up.
  const flags = needsNode(before) || needsNode(after) ? planNodeOf(plan, id) : NO_FLAGS;
  if (before !== undefined) count(delta, before, flags, -1);
  count(delta, after, flags, 1);
}

type NodeFlags = Pick<PlanNode, "occupiesSlot" | "continueOnFailure">;
const NO_FLAGS: NodeFlags = { occupiesSlot: false, continueOnFailure: false };
const needsNode = (status: StepStatus | undefined): boolean => status === "running" || status === "failed";

/** Counters of work in flight or waiting: none of it is left once a run has ended. */
export type OpenCounter = Exclude<keyof RunCounters, "failed">;

/**
 * Sets `delta` so that the named counters of a run whose stored counters are `base` read 0 after
 * the patch. For the one change decide() cannot count record by record: an early end
 * (`RunPatch.pendingTo`) cancels pending records it never loads, and afterwards nothing of the
 * run is open. A run retry starts from the same fact (a finished run holds no slot and no gate).
 */
export function zeroOpenCounters(delta: RunCounters, base: RunCounters, names: readonly OpenCounter[]): void {
  // 0 - x, not -x: a counter already at 0 moves by 0, never by -0 (deltas are compared and added).
  for (const name of names) delta[name] = 0 - base[name];
}
