import type { GateStatus } from "../status";

/**
 * THE table of gate actions: what each decision needs, counts and does. The engine (gate status
 * after a decision), the store (gates decided by auto mode or expiry), the approvals service
 * (checkDecision: rights, quorum) and the UI (which buttons, which confirm, which colour) all read
 * it; nothing else says what an action means. `src/engine/README.md` prints it as the gate table.
 */
export const DECISION_ACTIONS = ["approve", "modify", "retry", "skip", "reject", "cancel"] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/**
 * The right an action needs:
 * - `decide`: the `approval.decide` permission and a place in the gate's policy (its roles or
 *   users, the escalated roles once the escalation is due; approver and admin when it names none);
 * - `control`: the `run.control` permission (the same right as cancelling the run itself).
 */
export type GateRight = "decide" | "control";

/** What happens to the gated step (or the run) once the action decides the gate. */
export type GateOutcome = "continue" | "skip" | "rerun" | "fail" | "cancel_run";

/** What a decision may carry, checked by the service before it is recorded. */
export type GateCarries = "form" | "changes" | "params" | "nothing";

export interface GateActionRule {
  right: GateRight;
  /** The run's starter is refused unless the policy has `allow_self_approval`. */
  noSelfApproval: boolean;
  /** Counts as one approval toward `min_approvals` (one per person). */
  counts: boolean;
  /**
   * Accepted only as the decision that reaches `min_approvals`: with N = 2 the first person may
   * approve, and the second may approve, modify or skip. So a modify or a skip never takes effect
   * with fewer than N people's consent, and is never recorded only to be lost.
   */
  completingOnly: boolean;
  /** Decides the gate at once, whatever the count so far. */
  endsAtOnce: boolean;
  /** The gate's status once this action decided it. */
  status: Exclude<GateStatus, "pending" | "expired">;
  outcome: GateOutcome;
  carries: GateCarries;
  /** How a UI shows the outcome: `negative` is a failure (red), never a success (green). */
  tone: "positive" | "neutral" | "negative";
  /** A UI asks for confirmation (or opens a dialog) before sending it. */
  confirm: boolean;
}

export const GATE_ACTION_RULES: Readonly<Record<DecisionAction, GateActionRule>> = {
  approve: { right: "decide", noSelfApproval: true, counts: true, completingOnly: false, endsAtOnce: false, status: "approved", outcome: "continue", carries: "form", tone: "positive", confirm: false },
  modify: { right: "decide", noSelfApproval: true, counts: true, completingOnly: true, endsAtOnce: false, status: "modified", outcome: "continue", carries: "changes", tone: "positive", confirm: true },
  skip: { right: "decide", noSelfApproval: true, counts: true, completingOnly: true, endsAtOnce: false, status: "skipped", outcome: "skip", carries: "nothing", tone: "neutral", confirm: true },
  // A retry runs the held step again (side effects, possibly new params): an act on the gate's
  // content, so the starter may not retry their own gate either. It ends this gate only; the new
  // attempt opens a fresh one that needs its N approvals again.
  retry: { right: "decide", noSelfApproval: true, counts: false, completingOnly: false, endsAtOnce: true, status: "retried", outcome: "rerun", carries: "params", tone: "neutral", confirm: true },
  // A "no" is never a self-approval: the starter may reject their own gate.
  reject: { right: "decide", noSelfApproval: false, counts: false, completingOnly: false, endsAtOnce: true, status: "rejected", outcome: "fail", carries: "nothing", tone: "negative", confirm: true },
  cancel: { right: "control", noSelfApproval: false, counts: false, completingOnly: false, endsAtOnce: true, status: "cancelled", outcome: "cancel_run", carries: "nothing", tone: "negative", confirm: true },
};

/** The gate's status after an action, expiry included (the store records gates decided without a person). */
export function gateStatusAfter(action: DecisionAction | "expire"): Exclude<GateStatus, "pending"> {
  return action === "expire" ? "expired" : GATE_ACTION_RULES[action].status;
}

/** Whether a recorded decision counts toward the quorum (distinct people). */
export function countsTowardQuorum(action: string): boolean {
  return (DECISION_ACTIONS as readonly string[]).includes(action) && GATE_ACTION_RULES[action as DecisionAction].counts;
}
