/**
 * One decision on a gate. It is checked against the gate's policy by the engine's one table of
 * gate actions (gate-actions.ts, check-decision.ts: rights, self-approval, N of M), its payload
 * against the gate (gate-payload.ts: form, editable fields, size), recorded with its audit entry,
 * and — when it decides the gate — applied with one conditional update of the gate's status and
 * version, and the engine's event, in one transaction: of two racing decisions exactly one wins,
 * the other gets CONFLICT (HTTP 409).
 */
import { checkDecision } from "~/engine/approvals/check-decision";
import { GATE_ACTION_RULES } from "~/engine/approvals/gate-actions";
import type { Json } from "~/engine/json";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import { gateTarget } from "~/server/store/audit-actions";
import { engineStore } from "~/server/store/instance";
import { notifyWork } from "~/server/worker/hub";
import { recordAudit } from "../audit/record-audit";
import { checkDecisionPayload, checkDecisionSize } from "../gate-payload";
import { countedBy, decisionContext, policyOf, SELECT_APPROVAL, type ApprovalRow } from "./approval-row";
import type { TApproval, TDecideApproval } from "./approvals.types";
import { getApproval } from "./list-approvals";

const fromEntries = (changes: Record<string, { before: unknown; after: unknown }>, side: "before" | "after") => Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v[side]]));

export async function decideApproval(actor: Actor, input: TDecideApproval): Promise<TApproval> {
  checkDecisionSize(input);
  const store = engineStore();
  await store.transaction(async (q, process) => {
    const rows = await q.all<ApprovalRow>(`${SELECT_APPROVAL} WHERE a."id" = ? AND a."teamId" = ?`, [input.id, actor.teamId]);
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `No approval ${input.id} in team ${actor.teamName}.`);
    if (row.status !== "pending") throw new AppError("CONFLICT", `This gate was already decided: ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}.`);
    const now = Date.now();
    const recorded = await q.all<{ actorId: string | null; action: string }>('SELECT "actorId", "action" FROM "ApprovalDecision" WHERE "approvalId" = ?', [row.id]);
    const policy = policyOf(row);
    const check = checkDecision(policy, actor, input.action, decisionContext(actor, row, countedBy(recorded), now));
    if (!check.ok) throw new AppError("FORBIDDEN", check.reason, { code: check.code });
    const checked = await checkDecisionPayload(q, row, policy, input);
    const { payload: value, nextParams, form } = checked;
    // approve keeps only the form (its payload is the form's values); the rest keep what they carry.
    const stored = input.action === "approve" ? undefined : value;
    await q.run('INSERT INTO "ApprovalDecision" ("id","approvalId","actorId","actor","action","comment","payload","form","nextParams","at") VALUES (?,?,?,?,?,?,?,?,?,?)', [
      newId("dec"),
      row.id,
      actor.userId,
      actor.email,
      input.action,
      input.comment ?? null,
      stored === undefined ? null : JSON.stringify(stored),
      form === undefined ? null : JSON.stringify(form),
      nextParams ? JSON.stringify(nextParams) : null,
      now,
    ]);
    const status = GATE_ACTION_RULES[input.action].status;
    // The race is decided here: one conditional update per gate version.
    const won = check.final
      ? await q.run('UPDATE "Approval" SET "status" = ?, "decidedAt" = ?, "decidedBy" = ?, "version" = "version" + 1 WHERE "id" = ? AND "status" = ? AND "version" = ?', [
          status,
          now,
          actor.email,
          row.id,
          "pending",
          row.version,
        ])
      : await q.run('UPDATE "Approval" SET "version" = "version" + 1 WHERE "id" = ? AND "status" = ? AND "version" = ?', [row.id, "pending", row.version]);
    if (won === 0) throw new AppError("CONFLICT", "Someone else decided this gate at the same moment; reload it.");
    await recordAudit({ sql: q }, actor, {
      teamId: row.teamId,
      at: now,
      action: check.final ? "gate.decided" : "gate.approval_recorded",
      targetId: gateTarget(row.runId, row.stepId, row.attempt).id,
      before: {
        status: "pending",
        output: row.output === null ? null : (JSON.parse(row.output) as unknown),
        ...(nextParams ? { nextParams: fromEntries(nextParams, "before") } : {}),
      },
      after: {
        status: check.final ? status : "pending",
        action: input.action,
        comment: input.comment ?? null,
        payload: stored ?? null,
        ...(form ? { form } : {}),
        approvals: { count: check.approvals, needed: check.needed },
        ...(nextParams ? { nextParams: fromEntries(nextParams, "after") } : {}),
      },
    });
    if (!check.final) return;
    await process([
      {
        runId: row.runId,
        event: {
          type: "gate_decided",
          stepId: row.stepId,
          gateId: row.gateId,
          action: input.action,
          ...((input.action === "modify" || input.action === "approve") && value !== undefined ? { payload: value as Json } : {}),
          ...(input.action === "retry" && value !== undefined ? { params: value as Json } : {}),
          ...(nextParams ? { nextParams: fromEntries(nextParams, "after") as Record<string, Json> } : {}),
          by: actor.email,
          ...(input.comment ? { comment: input.comment } : {}),
          at: now,
        },
      },
    ]);
  });
  notifyWork();
  return getApproval(actor, input.id);
}
