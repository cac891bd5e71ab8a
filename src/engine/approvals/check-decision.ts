import type { ApprovalPolicy } from "../definition/schema";
import type { GateAction } from "../scheduler/types";

/** Who is deciding, as the policy sees them. */
export interface Decider {
  userId: string;
  email: string;
  roles: readonly string[];
}

/**
 * Why a decider is refused, for machines (the UI picks its wording and which buttons stay):
 * - `not_in_policy`: neither a role nor a user the policy names;
 * - `self_approval`: the run's starter approving or modifying without `allow_self_approval`;
 * - `already_approved`: this decider's approval counts already (N of M needs other people).
 */
export type DecisionRefusal = "not_in_policy" | "self_approval" | "already_approved";

export type DecisionCheck =
  | { ok: true; final: true }
  /** An approval recorded below the quorum: the gate stays open. */
  | { ok: true; final: false; approvals: number; needed: number }
  | { ok: false; code: DecisionRefusal; reason: string };

/** Roles that may decide a gate whose policy names no approvers. */
export const DEFAULT_APPROVER_ROLES = ["approver", "admin"] as const;

/**
 * Whether `decider` may take `action` on a gate with `policy`, and whether it decides the gate.
 * - approvers: one of the policy's roles, or listed by e-mail or user id (default: approver, admin);
 * - the run's starter may not approve or modify unless `allow_self_approval`;
 * - approve counts distinct approvers up to `min_approvals` (N of M); one rejection (or any other
 *   action) by an allowed decider ends the gate at once.
 */
export function checkDecision(
  policy: ApprovalPolicy,
  decider: Decider,
  action: Exclude<GateAction, "expire">,
  context: { startedBy?: string | null; approvedBy: readonly string[] },
): DecisionCheck {
  const roles = policy.approvers?.roles ?? [];
  const users = policy.approvers?.users ?? [];
  const named = roles.length > 0 || users.length > 0;
  const allowedRoles: readonly string[] = named ? roles : DEFAULT_APPROVER_ROLES;
  const byRole = decider.roles.some((r) => allowedRoles.includes(r));
  const byName = users.some((u) => u.toLowerCase() === decider.email.toLowerCase() || u === decider.userId);
  if (!byRole && !byName) {
    const who = [allowedRoles.length ? `roles ${allowedRoles.join(", ")}` : "", users.length ? `users ${users.join(", ")}` : ""].filter(Boolean).join(" or ");
    return { ok: false, code: "not_in_policy", reason: `You may not decide this gate: it needs ${who}.` };
  }
  if ((action === "approve" || action === "modify") && !policy.allow_self_approval && context.startedBy && context.startedBy === decider.userId) {
    return { ok: false, code: "self_approval", reason: "You started this run: someone else must approve it (the gate does not allow self-approval)." };
  }
  if (action !== "approve") return { ok: true, final: true };
  if (context.approvedBy.includes(decider.userId)) return { ok: false, code: "already_approved", reason: "You approved this gate already; it needs approvals from other people." };
  const approvals = context.approvedBy.length + 1;
  const needed = policy.min_approvals ?? 1;
  return approvals >= needed ? { ok: true, final: true } : { ok: true, final: false, approvals, needed };
}
