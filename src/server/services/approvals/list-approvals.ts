/**
 * Reading gates: the inbox (pending or decided gates of the team), one gate, and the header badge.
 * Each gate says what the caller may do on it, action by action, by the engine's one decision
 * check (check-decision.ts), as decide-approval will judge it.
 */
import { checkDecision, gateDeciders, type DecisionCheck } from "~/engine/approvals/check-decision";
import { DECISION_ACTIONS, type DecisionAction } from "~/engine/approvals/gate-actions";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { engineStore } from "~/server/store/instance";
import { countedBy, decisionContext, decisionsOf, policyOf, SELECT_APPROVAL, type ApprovalRow, type DecisionRow } from "./approval-row";
import type { TApproval, TListApprovals, TPendingCount, TVerdict } from "./approvals.types";

const date = (v: number | null) => (v === null ? null : new Date(Number(v)));
const json = (v: string | null) => (v === null ? undefined : (JSON.parse(v) as unknown));
const verdictOf = (c: DecisionCheck): TVerdict => (c.ok ? { ok: true } : { ok: false, reason: c.reason, code: c.code });

function toApproval(actor: Actor, row: ApprovalRow, decisions: readonly DecisionRow[], now = Date.now()): TApproval {
  const policy = policyOf(row);
  const approvedBy = countedBy(decisions);
  const ctx = decisionContext(actor, row, approvedBy, now);
  const decided: TVerdict | null = row.status !== "pending" ? { ok: false, code: "already_decided", reason: `already ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}` } : null;
  const actions = Object.fromEntries(DECISION_ACTIONS.map((a) => [a, decided ?? verdictOf(checkDecision(policy, actor, a, ctx))])) as Record<DecisionAction, TVerdict>;
  return {
    id: row.id,
    runId: row.runId,
    stepId: row.stepId,
    attempt: Number(row.attempt),
    workflow: row.workflowName,
    status: row.status,
    policy: JSON.parse(row.policy) as Record<string, unknown>,
    output: json(row.output),
    requestedAt: new Date(Number(row.requestedAt)),
    expiresAt: date(row.expiresAt),
    decidedAt: date(row.decidedAt),
    decidedBy: row.decidedBy,
    startedBy: row.startedBy,
    decisions: decisions.map((d) => {
      // Before the form column, approve kept the form's values in payload.
      const form = json(d.form) ?? (d.action === "approve" ? json(d.payload) : undefined);
      const payload = d.action === "approve" ? undefined : json(d.payload);
      return {
        actor: d.actor,
        action: d.action,
        comment: d.comment,
        ...(payload === undefined ? {} : { payload }),
        ...(form === undefined ? {} : { form: form as Record<string, unknown> }),
        ...(d.nextParams === null ? {} : { nextParams: JSON.parse(d.nextParams) as Record<string, { before: unknown; after: unknown }> }),
        at: new Date(Number(d.at)),
      };
    }),
    deciders: gateDeciders(policy, Number(row.requestedAt), now),
    approvals: { count: approvedBy.length, needed: policy.min_approvals ?? 1 },
    canDecide: actions.approve,
    actions,
  };
}

export async function listApprovals(actor: Actor, input: TListApprovals): Promise<TApproval[]> {
  const decided = input.status === "decided";
  const byStatus = input.status && !decided;
  const rows = await engineStore().sql.read<ApprovalRow>(
    `${SELECT_APPROVAL} WHERE a."teamId" = ?${decided ? ' AND a."status" <> \'pending\'' : ""}${byStatus ? ' AND a."status" = ?' : ""}${input.runId ? ' AND a."runId" = ?' : ""} ORDER BY ${decided ? 'a."decidedAt" DESC, ' : ""}a."requestedAt" DESC LIMIT 500`,
    [actor.teamId, ...(byStatus && input.status ? [input.status] : []), ...(input.runId ? [input.runId] : [])],
  );
  const decisions = await decisionsOf(rows.map((r) => r.id));
  const now = Date.now();
  return rows.map((r) => toApproval(actor, r, decisions.get(r.id) ?? [], now));
}

export async function getApproval(actor: Actor, id: string): Promise<TApproval> {
  const rows = await engineStore().sql.read<ApprovalRow>(`${SELECT_APPROVAL} WHERE a."id" = ? AND a."teamId" = ?`, [id, actor.teamId]);
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `No approval ${id} in team ${actor.teamName}.`);
  return toApproval(actor, row, (await decisionsOf([row.id])).get(row.id) ?? []);
}

/** The header badge: how many pending gates the caller can approve, and how many the team has. */
export async function pendingCount(actor: Actor): Promise<TPendingCount> {
  const pending = await listApprovals(actor, { status: "pending" });
  return { canDecide: pending.filter((a) => a.canDecide.ok).length, total: pending.length };
}
