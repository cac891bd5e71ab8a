/**
 * An approval gate as the database holds it, and the facts the engine's decision check weighs
 * about it: shared by the reading use cases (list-approvals, approval-context) and the deciding
 * ones (decide-approval), so both see a gate the same way.
 */
import type { DecisionContext } from "~/engine/approvals/check-decision";
import { countsTowardQuorum } from "~/engine/approvals/gate-actions";
import { ZApprovalPolicy, type ApprovalPolicy } from "~/engine/definition/schema";
import type { Actor } from "~/server/auth/actor";
import { engineStore } from "~/server/store/instance";

export type ApprovalRow = {
  id: string;
  teamId: string;
  runId: string;
  stepId: string;
  attempt: number;
  gateId: string;
  status: string;
  policy: string;
  output: string | null;
  requestedAt: number;
  expiresAt: number | null;
  decidedAt: number | null;
  decidedBy: string | null;
  version: number;
  workflowName: string;
  startedById: string | null;
  startedBy: string | null;
};

/** The gate with its run's workflow and starter; callers add the WHERE. */
export const SELECT_APPROVAL = `SELECT a."id", a."teamId", a."runId", a."stepId", a."attempt", a."gateId", a."status", a."policy", a."output", a."requestedAt", a."expiresAt",
  a."decidedAt", a."decidedBy", a."version", r."workflowName", r."startedById", u."email" AS "startedBy"
  FROM "Approval" a JOIN "Run" r ON r."id" = a."runId" LEFT JOIN "User" u ON u."id" = r."startedById"`;

export function policyOf(row: ApprovalRow): ApprovalPolicy {
  return ZApprovalPolicy.parse(JSON.parse(row.policy));
}

export type DecisionRow = { approvalId: string; actorId: string | null; actor: string; action: string; comment: string | null; payload: string | null; form: string | null; nextParams: string | null; at: number };

/** The decisions of many gates in one query (the inbox lists up to 500). */
export async function decisionsOf(ids: readonly string[]): Promise<Map<string, DecisionRow[]>> {
  const out = new Map<string, DecisionRow[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = await engineStore().sql.read<DecisionRow>(
      `SELECT "approvalId", "actorId", "actor", "action", "comment", "payload", "form", "nextParams", "at" FROM "ApprovalDecision" WHERE "approvalId" IN (${part.map(() => "?").join(",")}) ORDER BY "at", "id"`,
      part,
    );
    for (const r of rows) out.set(r.approvalId, [...(out.get(r.approvalId) ?? []), r]);
  }
  return out;
}

/** User ids whose counting decisions (approve, modify, skip) are recorded on a gate. */
export const countedBy = (decisions: readonly Pick<DecisionRow, "action" | "actorId">[]): string[] =>
  decisions.filter((d) => countsTowardQuorum(d.action) && d.actorId).map((d) => d.actorId as string);

/** The facts checkDecision weighs about the caller and the gate. */
export function decisionContext(actor: Actor, row: ApprovalRow, approvedBy: readonly string[], now: number): DecisionContext {
  return {
    startedBy: row.startedById,
    approvedBy,
    may: { decide: actor.permissions.has("approval.decide"), control: actor.permissions.has("run.control") },
    requestedAt: Number(row.requestedAt),
    now,
  };
}
