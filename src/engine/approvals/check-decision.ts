import type { ApprovalPolicy } from "../definition/schema";
import { parseDuration } from "../duration";
import { GATE_ACTION_RULES, type DecisionAction } from "./gate-actions";

/** Who is deciding, as the policy sees them. */
export interface Decider {
  userId: string;
  email: string;
  roles: readonly string[];
}

/**
 * Why a decider is refused, for machines (the UI picks its wording and which buttons stay):
 * - `no_permission`: the caller's role lacks the right the action needs (gate-actions.ts);
 * - `not_in_policy`: neither a role nor a user the policy names (nor an escalated role, once due);
 * - `self_approval`: the run's starter, on an action that needs someone else (no `allow_self_approval`);
 * - `already_approved`: this decider's approval counts already (N of M needs other people);
 * - `quorum_first`: modify and skip only as the decision that completes the quorum.
 */
export const DECISION_REFUSALS = ["no_permission", "not_in_policy", "self_approval", "already_approved", "quorum_first"] as const;
export type DecisionRefusal = (typeof DECISION_REFUSALS)[number];

export type DecisionCheck =
  /** Accepted. `final`: it decides the gate now; otherwise an approval recorded below the quorum. */
  | { ok: true; final: boolean; approvals: number; needed: number }
  | { ok: false; code: DecisionRefusal; reason: string };

export interface DecisionContext {
  /** user id of the run's starter */
  startedBy?: string | null;
  /** user ids of the counting decisions recorded on this gate so far */
  approvedBy: readonly string[];
  /** the caller's permissions in the gate's team: `approval.decide` and `run.control` */
  may: { decide: boolean; control: boolean };
  /** when the gate opened and the time now (ms): an escalation is due `escalate.after` after opening */
  requestedAt?: number;
  now?: number;
}

/** Roles that may decide a gate whose policy names no approvers. */
export const DEFAULT_APPROVER_ROLES = ["approver", "admin"] as const;

/** Who may decide a gate now: the policy's roles (or the default ones) and users, plus the escalated roles once due. */
export function gateDeciders(policy: ApprovalPolicy, requestedAt?: number, now?: number): { roles: string[]; users: string[]; escalated: boolean } {
  const roles = policy.approvers?.roles ?? [];
  const users = policy.approvers?.users ?? [];
  const named = roles.length > 0 || users.length > 0;
  const escalated = policy.escalate !== undefined && requestedAt !== undefined && now !== undefined && now >= requestedAt + parseDuration(policy.escalate.after);
  const base: string[] = named ? [...roles] : [...DEFAULT_APPROVER_ROLES];
  const all = escalated && policy.escalate ? [...new Set([...base, ...policy.escalate.roles])] : base;
  return { roles: all, users: [...users], escalated };
}

const list = (xs: readonly string[]): string => (xs.length === 1 ? (xs[0] as string) : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1] as string}`);

function notInPolicy(policy: ApprovalPolicy, decider: Decider, who: { roles: string[]; users: string[] }): string {
  const parts = [who.roles.length ? `the ${list(who.roles)} role${who.roles.length > 1 ? "s" : ""}` : "", who.users.length ? list(who.users) : ""].filter(Boolean);
  const yours = decider.roles.length ? `your role${decider.roles.length > 1 ? "s" : ""}: ${decider.roles.join(", ")}` : "you hold no role here";
  const later = policy.escalate ? `; it escalates to ${list(policy.escalate.roles)} after ${policy.escalate.after}` : "";
  return `Only ${parts.join(" or ")} may decide this gate (${yours})${later}.`;
}

/**
 * Whether `decider` may take `action` on a gate with `policy` now, and whether it decides the
 * gate: the rules are GATE_ACTION_RULES (gate-actions.ts).
 * - `control` actions (cancel) need run control, nothing else;
 * - `decide` actions need approval.decide and a place in the policy; the run's starter is refused
 *   on approve, modify, skip and retry unless `allow_self_approval`;
 * - approve, modify and skip count one approval per person up to `min_approvals` (N of M); modify
 *   and skip only as the approval that completes it; reject and retry end the gate at once.
 */
export function checkDecision(policy: ApprovalPolicy, decider: Decider, action: DecisionAction, context: DecisionContext): DecisionCheck {
  const rule = GATE_ACTION_RULES[action];
  const needed = policy.min_approvals ?? 1;
  const have = context.approvedBy.length;
  if (rule.right === "control") {
    if (!context.may.control) return { ok: false, code: "no_permission", reason: "Cancelling the run at a gate needs run control (the operator or admin role); reject the gate instead." };
    return { ok: true, final: true, approvals: have, needed };
  }
  if (!context.may.decide) return { ok: false, code: "no_permission", reason: "You need the approver or admin role to decide gates." };
  const who = gateDeciders(policy, context.requestedAt, context.now);
  const byRole = decider.roles.some((r) => who.roles.includes(r));
  const byName = who.users.some((u) => u.toLowerCase() === decider.email.toLowerCase() || u === decider.userId);
  if (!byRole && !byName) return { ok: false, code: "not_in_policy", reason: notInPolicy(policy, decider, who) };
  if (rule.noSelfApproval && !policy.allow_self_approval && context.startedBy && context.startedBy === decider.userId) {
    return { ok: false, code: "self_approval", reason: `You started this run: someone else must ${action} it (the gate does not allow self-approval).` };
  }
  if (rule.endsAtOnce) return { ok: true, final: true, approvals: have, needed };
  if (context.approvedBy.includes(decider.userId)) return { ok: false, code: "already_approved", reason: "You approved this gate already; it needs approvals from other people." };
  const approvals = have + 1;
  if (approvals < needed && rule.completingOnly) {
    return {
      ok: false,
      code: "quorum_first",
      reason: `This gate needs ${needed} approvals (${have} so far): approve it, or reject it; ${action} can only be the decision that completes the approvals.`,
    };
  }
  return { ok: true, final: approvals >= needed, approvals, needed };
}

/**
 * Auto mode is the run's starter approving every gate at once. For a starter who may author the
 * workflow (`may.author`: editor, admin) it passes every gate: they could delete the gates anyway.
 * For anyone else it passes a gate only when the starter alone could approve it: in the policy,
 * `allow_self_approval`, `min_approvals: 1`. Any other gate waits for people as in interactive mode
 * (services refuse to start such a run in auto mode when its gates are known up front). `starter`
 * null: nobody (e.g. a deleted user).
 */
export function autoApproval(policy: ApprovalPolicy, starter: (Decider & { may: DecisionContext["may"] & { author?: boolean } }) | null): DecisionCheck {
  if (!starter) return { ok: false, code: "no_permission", reason: "auto mode approves as the run's starter, and the run has none" };
  // A starter who may change the workflow (editor, admin) could remove its gates by a new version:
  // auto mode gives them nothing more, and is recorded as theirs. Operators only start runs, so for
  // them auto mode is the starter approving, under the gate's policy.
  if (starter.may.author) return { ok: true, final: true, approvals: policy.min_approvals ?? 1, needed: policy.min_approvals ?? 1 };
  const check = checkDecision(policy, starter, "approve", { startedBy: starter.userId, approvedBy: [], may: starter.may });
  if (!check.ok) return check;
  if (!check.final) return { ok: false, code: "quorum_first", reason: `the gate needs ${check.needed} approvals, and auto mode is one person` };
  return check;
}
