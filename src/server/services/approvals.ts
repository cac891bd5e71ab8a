/**
 * Approval gates: the inbox (pending gates of the team, with whether the caller may decide), and
 * decisions. A decision is checked against the gate's policy (approvers, self-approval, N of M),
 * recorded, and — when it decides the gate — applied with one conditional update of the gate's
 * status and version, and the engine's event, in one transaction: of two racing decisions exactly
 * one wins, the other gets CONFLICT (HTTP 409).
 */
import { z } from "zod";
import { checkDecision } from "~/engine/approvals/check-decision";
import { ZApprovalPolicy, type ApprovalPolicy } from "~/engine/definition/schema";
import type { Json } from "~/engine/json";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import { appendAudit, verifyAuditChain, type AuditVerification } from "~/server/store/audit";
import { engineStore } from "~/server/store/instance";
import { notifyWork } from "~/server/worker/hub";

export const GATE_ACTIONS = ["approve", "modify", "retry", "skip", "reject", "cancel"] as const;
export const ZGateAction = z.enum(GATE_ACTIONS);

export const ZDecide = z.object({
  id: z.string(),
  action: ZGateAction,
  comment: z.string().max(5000).optional(),
  /** modify: the step's new output; retry: new params for the next attempt (optional) */
  payload: z.unknown().optional(),
});

const ZDecision = z.object({ actor: z.string(), action: z.string(), comment: z.string().nullable(), payload: z.unknown().optional(), at: z.date() });

export const ZApproval = z.object({
  id: z.string(),
  runId: z.string(),
  stepId: z.string(),
  attempt: z.number().int(),
  workflow: z.string(),
  status: z.string(),
  policy: z.record(z.string(), z.unknown()),
  output: z.unknown().optional(),
  requestedAt: z.date(),
  expiresAt: z.date().nullable(),
  decidedAt: z.date().nullable(),
  decidedBy: z.string().nullable(),
  startedBy: z.string().nullable(),
  decisions: z.array(ZDecision),
  /** whether the caller may decide it now, and why not */
  canDecide: z.object({ ok: z.boolean(), reason: z.string().optional() }),
});
export type TApproval = z.infer<typeof ZApproval>;

type Row = {
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

const SELECT = `SELECT a."id", a."teamId", a."runId", a."stepId", a."attempt", a."gateId", a."status", a."policy", a."output", a."requestedAt", a."expiresAt",
  a."decidedAt", a."decidedBy", a."version", r."workflowName", r."startedById", u."email" AS "startedBy"
  FROM "Approval" a JOIN "Run" r ON r."id" = a."runId" LEFT JOIN "User" u ON u."id" = r."startedById"`;

const date = (v: number | null) => (v === null ? null : new Date(Number(v)));

function policyOf(row: Row): ApprovalPolicy {
  return ZApprovalPolicy.parse(JSON.parse(row.policy));
}

type DecisionRow = { approvalId: string; actorId: string | null; actor: string; action: string; comment: string | null; payload: string | null; at: number };

/** The decisions of many gates in one query (the inbox lists up to 500). */
async function decisionsOf(ids: readonly string[]): Promise<Map<string, DecisionRow[]>> {
  const out = new Map<string, DecisionRow[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = await engineStore().sql.read<DecisionRow>(
      `SELECT "approvalId", "actorId", "actor", "action", "comment", "payload", "at" FROM "ApprovalDecision" WHERE "approvalId" IN (${part.map(() => "?").join(",")}) ORDER BY "at", "id"`,
      part,
    );
    for (const r of rows) out.set(r.approvalId, [...(out.get(r.approvalId) ?? []), r]);
  }
  return out;
}

function toApproval(actor: Actor, row: Row, decisions: readonly DecisionRow[]): TApproval {
  const approvedBy = decisions.filter((d) => d.action === "approve" && d.actorId).map((d) => d.actorId as string);
  const check =
    row.status !== "pending"
      ? { ok: false, reason: `already ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}` }
      : actor.permissions.has("approval.decide")
        ? checkDecision(policyOf(row), actor, "approve", { startedBy: row.startedById, approvedBy })
        : { ok: false, reason: "You need the approver or admin role to decide gates." };
  return {
    id: row.id,
    runId: row.runId,
    stepId: row.stepId,
    attempt: Number(row.attempt),
    workflow: row.workflowName,
    status: row.status,
    policy: JSON.parse(row.policy) as Record<string, unknown>,
    output: row.output === null ? undefined : (JSON.parse(row.output) as unknown),
    requestedAt: new Date(Number(row.requestedAt)),
    expiresAt: date(row.expiresAt),
    decidedAt: date(row.decidedAt),
    decidedBy: row.decidedBy,
    startedBy: row.startedBy,
    decisions: decisions.map((d) => ({ actor: d.actor, action: d.action, comment: d.comment, payload: d.payload === null ? undefined : (JSON.parse(d.payload) as unknown), at: new Date(Number(d.at)) })),
    canDecide: check.ok ? { ok: true } : { ok: false, reason: check.reason },
  };
}

export async function listApprovals(actor: Actor, input: { status?: string; runId?: string }): Promise<TApproval[]> {
  const rows = await engineStore().sql.read<Row>(
    `${SELECT} WHERE a."teamId" = ?${input.status ? ' AND a."status" = ?' : ""}${input.runId ? ' AND a."runId" = ?' : ""} ORDER BY a."requestedAt" DESC LIMIT 500`,
    [actor.teamId, ...(input.status ? [input.status] : []), ...(input.runId ? [input.runId] : [])],
  );
  const decisions = await decisionsOf(rows.map((r) => r.id));
  return rows.map((r) => toApproval(actor, r, decisions.get(r.id) ?? []));
}

export async function getApproval(actor: Actor, id: string): Promise<TApproval> {
  const rows = await engineStore().sql.read<Row>(`${SELECT} WHERE a."id" = ? AND a."teamId" = ?`, [id, actor.teamId]);
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `No approval ${id} in team ${actor.teamName}.`);
  return toApproval(actor, row, (await decisionsOf([row.id])).get(row.id) ?? []);
}

export async function decideApproval(actor: Actor, input: z.infer<typeof ZDecide>): Promise<TApproval> {
  const store = engineStore();
  await store.transaction(async (q, process) => {
    const rows = await q.all<Row>(`${SELECT} WHERE a."id" = ? AND a."teamId" = ?`, [input.id, actor.teamId]);
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `No approval ${input.id} in team ${actor.teamName}.`);
    if (row.status !== "pending") throw new AppError("CONFLICT", `This gate was already decided: ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}.`);
    const approvedBy = (await q.all<{ actorId: string }>('SELECT "actorId" FROM "ApprovalDecision" WHERE "approvalId" = ? AND "action" = ?', [row.id, "approve"])).map((d) => d.actorId);
    const check = checkDecision(policyOf(row), actor, input.action, { startedBy: row.startedById, approvedBy });
    if (!check.ok) throw new AppError("FORBIDDEN", check.reason);
    if (input.action === "modify" && input.payload === undefined) throw new AppError("BAD_REQUEST", "modify needs a payload: the step's new output (JSON).");
    const now = Date.now();
    const payload = input.payload === undefined ? null : JSON.stringify(input.payload);
    await q.run('INSERT INTO "ApprovalDecision" ("id","approvalId","actorId","actor","action","comment","payload","at") VALUES (?,?,?,?,?,?,?,?)', [
      newId("dec"),
      row.id,
      actor.userId,
      actor.email,
      input.action,
      input.comment ?? null,
      payload,
      now,
    ]);
    const status = { approve: "approved", modify: "modified", retry: "retried", skip: "skipped", reject: "rejected", cancel: "cancelled" }[input.action];
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
    await appendAudit(q, store.sql.kind, {
      teamId: row.teamId,
      at: now,
      actor: actor.email,
      action: check.final ? "gate.decided" : "gate.approval_recorded",
      target: `${row.runId}/${row.stepId}#${row.attempt}`,
      before: { status: "pending", output: row.output === null ? null : (JSON.parse(row.output) as unknown) },
      after: { status: check.final ? status : "pending", action: input.action, comment: input.comment ?? null, payload: input.payload ?? null },
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
          ...(input.action === "modify" ? { payload: input.payload as Json } : {}),
          ...(input.action === "retry" && input.payload !== undefined ? { params: input.payload as Json } : {}),
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

export const ZDecideMany = z.object({
  ids: z.array(z.string()).min(1, "Select at least one gate.").max(200),
  action: z.enum(["approve", "reject"]),
  comment: z.string().max(5000).optional(),
});

export const ZBatchResult = z.object({
  id: z.string(),
  ok: z.boolean(),
  status: z.string().optional(),
  /** why this gate was refused (not allowed, already decided, not found) */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/**
 * Batch decisions from the inbox: each gate is decided (and recorded, audited) on its own; a gate
 * the caller may not decide is refused with its reason while the others go through.
 */
export async function decideMany(actor: Actor, input: z.infer<typeof ZDecideMany>): Promise<z.infer<typeof ZBatchResult>[]> {
  const out: z.infer<typeof ZBatchResult>[] = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      const a = await decideApproval(actor, { id, action: input.action, comment: input.comment });
      out.push({ id, ok: true, status: a.status });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out.push({ id, ok: false, error: { code: e.code, message: e.message } });
    }
  }
  return out;
}

export async function verifyAudit(actor: Actor): Promise<AuditVerification> {
  return verifyAuditChain(engineStore().sql, actor.teamId);
}

export const ZAuditEntry = z.object({
  id: z.number().int(),
  at: z.date(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  hash: z.string(),
});

export async function listAudit(actor: Actor, input: { after?: number; limit?: number }): Promise<z.infer<typeof ZAuditEntry>[]> {
  const rows = await engineStore().sql.read<{ id: number; at: number; actor: string; action: string; target: string; before: string | null; after: string | null; hash: string }>(
    'SELECT "id","at","actor","action","target","before","after","hash" FROM "AuditLog" WHERE "teamId" = ? AND "id" > ? ORDER BY "id" LIMIT ?',
    [actor.teamId, input.after ?? 0, input.limit ?? 200],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(Number(r.at)),
    actor: r.actor,
    action: r.action,
    target: r.target,
    before: r.before === null ? undefined : (JSON.parse(r.before) as unknown),
    after: r.after === null ? undefined : (JSON.parse(r.after) as unknown),
    hash: r.hash,
  }));
}
