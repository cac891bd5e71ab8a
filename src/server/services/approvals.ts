/**
 * Approval gates: the inbox (pending gates of the team, with what the caller may do on each), and
 * decisions. A decision is checked against the gate's policy by the engine's one table of gate
 * actions (gate-actions.ts, check-decision.ts: rights, self-approval, N of M), its payload against
 * the gate (gate-payload.ts: form, editable fields, size), recorded, and — when it decides the gate —
 * applied with one conditional update of the gate's status and version, and the engine's event, in
 * one transaction: of two racing decisions exactly one wins, the other gets CONFLICT (HTTP 409).
 */
import { z } from "zod";
import { checkDecision, DECISION_REFUSALS, gateDeciders, type DecisionCheck } from "~/engine/approvals/check-decision";
import { countsTowardQuorum, DECISION_ACTIONS, GATE_ACTION_RULES, type DecisionAction } from "~/engine/approvals/gate-actions";
import { ZApprovalPolicy, type ApprovalPolicy } from "~/engine/definition/schema";
import type { Json } from "~/engine/json";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import type { SqlExec } from "~/server/store/sql";
import { gateTarget } from "~/server/store/audit-actions";
import { listArtifacts, ZArtifact } from "./artifacts";
import { recordAudit } from "./audit/record-audit";
import { checkDecisionPayload, checkDecisionSize, COMMENT_MAX_CHARS, currentParams, definitionSteps, nextStepsOf, stepStates } from "./gate-payload";
import { engineStore } from "~/server/store/instance";
import { notifyWork } from "~/server/worker/hub";

export const GATE_ACTIONS = DECISION_ACTIONS;
export const ZGateAction = z.enum(DECISION_ACTIONS);

export const ZDecide = z.object({
  id: z.string(),
  action: ZGateAction,
  comment: z.string().max(COMMENT_MAX_CHARS, `A comment has at most ${COMMENT_MAX_CHARS.toLocaleString("en")} characters.`).optional(),
  /**
   * modify: the held step's new output (only the fields `approval.editable` lists may change);
   * retry: new params for the next attempt (editable ones only); approve of a gate with a form:
   * the form's values (the older name of `form`).
   */
  payload: z.unknown().optional(),
  /** approve / modify of a gate with a form: the form's values (checked against the form every time) */
  form: z.record(z.string(), z.unknown()).optional(),
  /** modify: new params of steps that depend directly on the gated one (step id -> params; editable fields only) */
  nextParams: z.record(z.string(), z.unknown()).optional(),
});

/** A next step's params as a modify changed them. */
const ZParamsChange = z.object({ before: z.unknown(), after: z.unknown() });

const ZDecision = z.object({
  actor: z.string(),
  action: z.string(),
  comment: z.string().nullable(),
  /** modify of a held step: its new output; retry: the new params; a human stage: its form's values */
  payload: z.unknown().optional(),
  /** the form's values as recorded (approve, modify) */
  form: z.record(z.string(), z.unknown()).optional(),
  /** modify: the next steps' params it changed, before and after */
  nextParams: z.record(z.string(), ZParamsChange).optional(),
  at: z.date(),
});

/** Why the caller may not take an action on a gate, for machines; `reason` says it to people. */
export const CAN_DECIDE_CODES = [...DECISION_REFUSALS, "already_decided"] as const;
const ZVerdict = z.object({ ok: z.boolean(), reason: z.string().optional(), code: z.enum(CAN_DECIDE_CODES).optional() });

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
  /** who may decide it now: roles (the escalated ones once due) and users */
  deciders: z.object({ roles: z.array(z.string()), users: z.array(z.string()), escalated: z.boolean() }),
  /** approvals counted so far, and how many it needs */
  approvals: z.object({ count: z.number().int(), needed: z.number().int() }),
  /** whether the caller may approve it now, and why not (the inbox's "Can I decide?") */
  canDecide: ZVerdict,
  /** the same for each action (which buttons a UI enables) */
  actions: z.object(Object.fromEntries(DECISION_ACTIONS.map((a) => [a, ZVerdict])) as Record<DecisionAction, typeof ZVerdict>),
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

type DecisionRow = { approvalId: string; actorId: string | null; actor: string; action: string; comment: string | null; payload: string | null; form: string | null; nextParams: string | null; at: number };

/** The decisions of many gates in one query (the inbox lists up to 500). */
async function decisionsOf(ids: readonly string[]): Promise<Map<string, DecisionRow[]>> {
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
const countedBy = (decisions: readonly Pick<DecisionRow, "action" | "actorId">[]): string[] => decisions.filter((d) => countsTowardQuorum(d.action) && d.actorId).map((d) => d.actorId as string);

/** The facts checkDecision weighs about the caller and the gate. */
function contextOf(actor: Actor, row: Row, approvedBy: readonly string[], now: number) {
  return {
    startedBy: row.startedById,
    approvedBy,
    may: { decide: actor.permissions.has("approval.decide"), control: actor.permissions.has("run.control") },
    requestedAt: Number(row.requestedAt),
    now,
  };
}

type Verdict = z.infer<typeof ZVerdict>;
const verdictOf = (c: DecisionCheck): Verdict => (c.ok ? { ok: true } : { ok: false, reason: c.reason, code: c.code });

function toApproval(actor: Actor, row: Row, decisions: readonly DecisionRow[], now = Date.now()): TApproval {
  const policy = policyOf(row);
  const approvedBy = countedBy(decisions);
  const ctx = contextOf(actor, row, approvedBy, now);
  const decided: Verdict | null = row.status !== "pending" ? { ok: false, code: "already_decided", reason: `already ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}` } : null;
  const actions = Object.fromEntries(DECISION_ACTIONS.map((a) => [a, decided ?? verdictOf(checkDecision(policy, actor, a, ctx))])) as Record<DecisionAction, Verdict>;
  const json = (v: string | null) => (v === null ? undefined : (JSON.parse(v) as unknown));
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

export const ZListApprovals = z.object({
  /** a gate status, or `decided`: every status but pending (the inbox's Decided tab) */
  status: z.string().optional(),
  runId: z.string().optional(),
});

export async function listApprovals(actor: Actor, input: z.infer<typeof ZListApprovals>): Promise<TApproval[]> {
  const decided = input.status === "decided";
  const byStatus = input.status && !decided;
  const rows = await engineStore().sql.read<Row>(
    `${SELECT} WHERE a."teamId" = ?${decided ? ' AND a."status" <> \'pending\'' : ""}${byStatus ? ' AND a."status" = ?' : ""}${input.runId ? ' AND a."runId" = ?' : ""} ORDER BY ${decided ? 'a."decidedAt" DESC, ' : ""}a."requestedAt" DESC LIMIT 500`,
    [actor.teamId, ...(byStatus && input.status ? [input.status] : []), ...(input.runId ? [input.runId] : [])],
  );
  const decisions = await decisionsOf(rows.map((r) => r.id));
  const now = Date.now();
  return rows.map((r) => toApproval(actor, r, decisions.get(r.id) ?? [], now));
}

export async function getApproval(actor: Actor, id: string): Promise<TApproval> {
  const rows = await engineStore().sql.read<Row>(`${SELECT} WHERE a."id" = ? AND a."teamId" = ?`, [id, actor.teamId]);
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `No approval ${id} in team ${actor.teamName}.`);
  return toApproval(actor, row, (await decisionsOf([row.id])).get(row.id) ?? []);
}

export const ZPendingCount = z.object({
  /** pending gates the caller may approve now (the header badge) */
  canDecide: z.number().int(),
  /** pending gates of the team */
  total: z.number().int(),
});

/** The header badge: how many pending gates the caller can approve, and how many the team has. */
export async function pendingCount(actor: Actor): Promise<z.infer<typeof ZPendingCount>> {
  const pending = await listApprovals(actor, { status: "pending" });
  return { canDecide: pending.filter((a) => a.canDecide.ok).length, total: pending.length };
}

export const ZGateContext = z.object({
  stepId: z.string(),
  type: z.string(),
  /** the gated step's params as its next attempt would use them (a retry's starting point) */
  params: z.unknown(),
  /** the steps that run next, with their params (what a modify may change) */
  next: z.array(z.object({ id: z.string(), type: z.string(), status: z.string(), params: z.unknown() })),
  /** files the gated attempt left in $WF_ARTIFACTS */
  artifacts: z.object({ attempt: z.number().int(), items: z.array(ZArtifact) }),
  /** what approvers may change here (approval.editable): dialogs offer these fields only */
  editable: z.array(z.string()),
});

/** What the gate panel's dialogs start from: params of the gated step and of the next steps, and the artifacts. */
export async function gateContext(actor: Actor, id: string): Promise<z.infer<typeof ZGateContext>> {
  const gate = await getApproval(actor, id);
  const sql = engineStore().sql;
  const q: Pick<SqlExec, "all"> = { all: (text, args) => sql.read(text, args) };
  const steps = await definitionSteps(q, gate.runId);
  const next = nextStepsOf(steps, gate.stepId);
  const states = await stepStates(q, gate.runId, [gate.stepId, ...next.map((n) => n.id)]);
  const self = steps.get(gate.stepId);
  const artifacts = gate.attempt > 0 ? await listArtifacts(actor, { id: gate.runId, stepId: gate.stepId, attempt: gate.attempt }) : { attempt: 0, items: [] };
  const editable = ZApprovalPolicy.parse(gate.policy).editable ?? [];
  return {
    stepId: gate.stepId,
    type: self?.type ?? "unknown",
    params: currentParams(self, states.get(gate.stepId)),
    next: next.map((n) => ({ id: n.id, type: n.type, status: states.get(n.id)?.status ?? "pending", params: currentParams(n, states.get(n.id)) })),
    artifacts,
    editable,
  };
}

const fromEntries = (changes: Record<string, { before: unknown; after: unknown }>, side: "before" | "after") => Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v[side]]));

export async function decideApproval(actor: Actor, input: z.infer<typeof ZDecide>): Promise<TApproval> {
  checkDecisionSize(input);
  const store = engineStore();
  await store.transaction(async (q, process) => {
    const rows = await q.all<Row>(`${SELECT} WHERE a."id" = ? AND a."teamId" = ?`, [input.id, actor.teamId]);
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `No approval ${input.id} in team ${actor.teamName}.`);
    if (row.status !== "pending") throw new AppError("CONFLICT", `This gate was already decided: ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}.`);
    const now = Date.now();
    const recorded = await q.all<{ actorId: string | null; action: string }>('SELECT "actorId", "action" FROM "ApprovalDecision" WHERE "approvalId" = ?', [row.id]);
    const policy = policyOf(row);
    const check = checkDecision(policy, actor, input.action, contextOf(actor, row, countedBy(recorded), now));
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

export const ZDecideMany = z.object({
  ids: z.array(z.string()).min(1, "Select at least one gate.").max(200),
  action: z.enum(["approve", "reject"]),
  comment: z.string().max(COMMENT_MAX_CHARS, `A comment has at most ${COMMENT_MAX_CHARS.toLocaleString("en")} characters.`).optional(),
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
