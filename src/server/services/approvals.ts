/**
 * Approval gates: the inbox (pending gates of the team, with whether the caller may decide), and
 * decisions. A decision is checked against the gate's policy (approvers, self-approval, N of M),
 * recorded, and — when it decides the gate — applied with one conditional update of the gate's
 * status and version, and the engine's event, in one transaction: of two racing decisions exactly
 * one wins, the other gets CONFLICT (HTTP 409).
 */
import { z } from "zod";
import { checkDecision } from "~/engine/approvals/check-decision";
import { validateForm } from "~/engine/approvals/validate-form";
import { paramsSchema } from "~/engine/definition/params-schema";
import { ZApprovalPolicy, type ApprovalPolicy, type WorkflowDefinition } from "~/engine/definition/schema";
import { allSteps } from "~/engine/definition/validate-workflow";
import type { Json } from "~/engine/json";
import type { StepState } from "~/engine/scheduler/types";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import type { SqlExec } from "~/server/store/sql";
import { appendAudit } from "~/server/store/audit";
import { gateTarget } from "~/server/store/audit-actions";
import { listArtifacts, ZArtifact } from "./artifacts";
import { engineStore } from "~/server/store/instance";
import { notifyWork } from "~/server/worker/hub";

export const GATE_ACTIONS = ["approve", "modify", "retry", "skip", "reject", "cancel"] as const;
export const ZGateAction = z.enum(GATE_ACTIONS);

export const ZDecide = z.object({
  id: z.string(),
  action: ZGateAction,
  comment: z.string().max(5000).optional(),
  /**
   * modify: the step's new output (optional when nextParams is given); retry: new params for the
   * next attempt (optional); approve of a gate with a form: the form's values.
   */
  payload: z.unknown().optional(),
  /** modify: new params of steps that depend directly on the gated one (step id -> params) */
  nextParams: z.record(z.string(), z.unknown()).optional(),
});

/** A next step's params as a modify changed them. */
const ZParamsChange = z.object({ before: z.unknown(), after: z.unknown() });

const ZDecision = z.object({
  actor: z.string(),
  action: z.string(),
  comment: z.string().nullable(),
  payload: z.unknown().optional(),
  /** modify: the next steps' params it changed, before and after */
  nextParams: z.record(z.string(), ZParamsChange).optional(),
  at: z.date(),
});

/** Why the caller may not decide a gate, for machines; `reason` says it to people. */
export const CAN_DECIDE_CODES = ["no_permission", "not_in_policy", "self_approval", "already_approved", "already_decided"] as const;

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
  canDecide: z.object({ ok: z.boolean(), reason: z.string().optional(), code: z.enum(CAN_DECIDE_CODES).optional() }),
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

type DecisionRow = { approvalId: string; actorId: string | null; actor: string; action: string; comment: string | null; payload: string | null; nextParams: string | null; at: number };

/** The decisions of many gates in one query (the inbox lists up to 500). */
async function decisionsOf(ids: readonly string[]): Promise<Map<string, DecisionRow[]>> {
  const out = new Map<string, DecisionRow[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = await engineStore().sql.read<DecisionRow>(
      `SELECT "approvalId", "actorId", "actor", "action", "comment", "payload", "nextParams", "at" FROM "ApprovalDecision" WHERE "approvalId" IN (${part.map(() => "?").join(",")}) ORDER BY "at", "id"`,
      part,
    );
    for (const r of rows) out.set(r.approvalId, [...(out.get(r.approvalId) ?? []), r]);
  }
  return out;
}

function toApproval(actor: Actor, row: Row, decisions: readonly DecisionRow[]): TApproval {
  const approvedBy = decisions.filter((d) => d.action === "approve" && d.actorId).map((d) => d.actorId as string);
  const check: { ok: true } | { ok: false; code: (typeof CAN_DECIDE_CODES)[number]; reason: string } =
    row.status !== "pending"
      ? { ok: false, code: "already_decided", reason: `already ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}` }
      : actor.permissions.has("approval.decide")
        ? checkDecision(policyOf(row), actor, "approve", { startedBy: row.startedById, approvedBy })
        : { ok: false, code: "no_permission", reason: "You need the approver or admin role to decide gates." };
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
    decisions: decisions.map((d) => ({
      actor: d.actor,
      action: d.action,
      comment: d.comment,
      payload: d.payload === null ? undefined : (JSON.parse(d.payload) as unknown),
      ...(d.nextParams === null ? {} : { nextParams: JSON.parse(d.nextParams) as Record<string, { before: unknown; after: unknown }> }),
      at: new Date(Number(d.at)),
    })),
    canDecide: check.ok ? { ok: true } : { ok: false, reason: check.reason, code: check.code },
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
  return rows.map((r) => toApproval(actor, r, decisions.get(r.id) ?? []));
}

export async function getApproval(actor: Actor, id: string): Promise<TApproval> {
  const rows = await engineStore().sql.read<Row>(`${SELECT} WHERE a."id" = ? AND a."teamId" = ?`, [id, actor.teamId]);
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `No approval ${id} in team ${actor.teamName}.`);
  return toApproval(actor, row, (await decisionsOf([row.id])).get(row.id) ?? []);
}

export const ZPendingCount = z.object({
  /** pending gates the caller may decide now (the header badge) */
  canDecide: z.number().int(),
  /** pending gates of the team */
  total: z.number().int(),
});

/** The header badge: how many pending gates the caller can decide, and how many the team has. */
export async function pendingCount(actor: Actor): Promise<z.infer<typeof ZPendingCount>> {
  const pending = await listApprovals(actor, { status: "pending" });
  return { canDecide: pending.filter((a) => a.canDecide.ok).length, total: pending.length };
}

type DefinitionStep = { id: string; type: string; params: unknown; needs: readonly string[] };

/** The steps of a run's workflow version, by id (nested control steps included). */
async function definitionSteps(q: Pick<SqlExec, "all">, runId: string): Promise<Map<string, DefinitionStep>> {
  const rows = await q.all<{ definition: string }>('SELECT v."definition" FROM "Run" r JOIN "WorkflowVersion" v ON v."id" = r."workflowVersionId" WHERE r."id" = ?', [runId]);
  const out = new Map<string, DefinitionStep>();
  const def = rows[0] ? (JSON.parse(rows[0].definition) as WorkflowDefinition) : undefined;
  for (const { step } of allSteps(def?.steps ?? [])) out.set(step.id, { id: step.id, type: step.type, params: "params" in step ? (step.params as unknown) : undefined, needs: step.needs ?? [] });
  return out;
}

/** Step records of a run, by id (their params overrides set at gates). */
async function stepStates(q: Pick<SqlExec, "all">, runId: string, ids: readonly string[]): Promise<Map<string, StepState>> {
  if (ids.length === 0) return new Map();
  const rows = await q.all<{ state: string }>(`SELECT "state" FROM "StepRun" WHERE "runId" = ? AND "stepId" IN (${ids.map(() => "?").join(",")})`, [runId, ...ids]);
  return new Map(rows.map((r) => JSON.parse(r.state) as StepState).map((st) => [st.id, st]));
}

/** Steps a modify may give new params: leaf steps with params that need the gated step directly. */
function nextStepsOf(steps: ReadonlyMap<string, DefinitionStep>, stepId: string): DefinitionStep[] {
  return [...steps.values()].filter((s) => s.needs.includes(stepId) && paramsSchema(s.type) !== undefined && s.type !== "approval");
}

const currentParams = (def: DefinitionStep | undefined, st: StepState | undefined): unknown => st?.paramsOverride ?? def?.params ?? {};

export const ZGateContext = z.object({
  stepId: z.string(),
  type: z.string(),
  /** the gated step's params as its next attempt would use them (a retry's starting point) */
  params: z.unknown(),
  /** the steps that run next, with their params (what a modify may change) */
  next: z.array(z.object({ id: z.string(), type: z.string(), status: z.string(), params: z.unknown() })),
  /** files the gated attempt left in $WF_ARTIFACTS */
  artifacts: z.object({ attempt: z.number().int(), items: z.array(ZArtifact) }),
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
  return {
    stepId: gate.stepId,
    type: self?.type ?? "unknown",
    params: currentParams(self, states.get(gate.stepId)),
    next: next.map((n) => ({ id: n.id, type: n.type, status: states.get(n.id)?.status ?? "pending", params: currentParams(n, states.get(n.id)) })),
    artifacts,
  };
}

/** Checks params against a step type's schema; BAD_REQUEST naming the step and the field otherwise. */
function checkParams(what: string, type: string, params: unknown): void {
  const schema = paramsSchema(type);
  if (!schema) throw new AppError("BAD_REQUEST", `${what} is a ${type} step: it has no params to change.`);
  const r = schema.safeParse(params);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue && issue.path.length ? ` at params.${issue.path.join(".")}` : "";
    throw new AppError("BAD_REQUEST", `Invalid params for ${what} (${type})${at}: ${issue?.message ?? "invalid"}.`, { issues: r.error.issues });
  }
}

/**
 * What a decision carries, checked before it is recorded: approve on a gate with a form = the form's
 * values (defaults applied); modify = a new output and/or new params of the next steps; retry = new
 * params of the gated step. Bad values are refused with a message naming the field.
 */
async function checkPayload(
  q: SqlExec,
  row: Row,
  policy: ApprovalPolicy,
  input: z.infer<typeof ZDecide>,
): Promise<{ payload: unknown; nextParams?: Record<string, { before: unknown; after: unknown }> }> {
  const nextGiven = input.nextParams !== undefined && Object.keys(input.nextParams).length > 0;
  if (nextGiven && input.action !== "modify") throw new AppError("BAD_REQUEST", "nextParams go with modify only.");
  switch (input.action) {
    case "approve": {
      const form = policy.form ?? [];
      if (form.length === 0) {
        if (input.payload !== undefined) throw new AppError("BAD_REQUEST", "This gate has no form: approve takes no payload.");
        return { payload: undefined };
      }
      const checked = validateForm(form, input.payload);
      if (!checked.ok) throw new AppError("BAD_REQUEST", `Form: ${checked.message}.`, { field: checked.field });
      return { payload: checked.values };
    }
    case "modify": {
      if (input.payload === undefined && !nextGiven) {
        throw new AppError("BAD_REQUEST", "modify needs a payload (the step's new output, JSON) or nextParams (new params of the steps that run next).");
      }
      if (!nextGiven) return { payload: input.payload };
      const steps = await definitionSteps(q, row.runId);
      const next = nextStepsOf(steps, row.stepId);
      const states = await stepStates(q, row.runId, next.map((n) => n.id));
      const out: Record<string, { before: unknown; after: unknown }> = {};
      for (const [id, params] of Object.entries(input.nextParams ?? {})) {
        const step = next.find((n) => n.id === id);
        if (!step) {
          const names = next.map((n) => n.id).join(", ");
          throw new AppError("BAD_REQUEST", `Step "${id}" does not run right after ${row.stepId}: ${names ? `only ${names} can get new params here` : `no step after ${row.stepId} takes params`}.`, { field: id });
        }
        checkParams(`step "${id}"`, step.type, params);
        out[id] = { before: currentParams(step, states.get(id)), after: params };
      }
      return { payload: input.payload, nextParams: out };
    }
    case "retry": {
      if (input.payload === undefined) return { payload: undefined };
      const step = (await definitionSteps(q, row.runId)).get(row.stepId);
      if (!step || step.type === "approval") throw new AppError("BAD_REQUEST", `${row.stepId} is a human stage: a retry opens it again, it takes no params.`);
      checkParams(`step "${row.stepId}"`, step.type, input.payload);
      return { payload: input.payload };
    }
    case "skip":
    case "reject":
    case "cancel":
      if (input.payload !== undefined) throw new AppError("BAD_REQUEST", `${input.action} takes no payload.`);
      return { payload: undefined };
  }
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
    if (!check.ok) throw new AppError("FORBIDDEN", check.reason, { code: check.code });
    const { payload: value, nextParams } = await checkPayload(q, row, policyOf(row), input);
    const now = Date.now();
    const payload = value === undefined ? null : JSON.stringify(value);
    await q.run('INSERT INTO "ApprovalDecision" ("id","approvalId","actorId","actor","action","comment","payload","nextParams","at") VALUES (?,?,?,?,?,?,?,?,?)', [
      newId("dec"),
      row.id,
      actor.userId,
      actor.email,
      input.action,
      input.comment ?? null,
      payload,
      nextParams ? JSON.stringify(nextParams) : null,
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
      target: gateTarget(row.runId, row.stepId, row.attempt),
      before: {
        status: "pending",
        output: row.output === null ? null : (JSON.parse(row.output) as unknown),
        ...(nextParams ? { nextParams: Object.fromEntries(Object.entries(nextParams).map(([k, v]) => [k, v.before])) } : {}),
      },
      after: {
        status: check.final ? status : "pending",
        action: input.action,
        comment: input.comment ?? null,
        payload: value ?? null,
        ...(nextParams ? { nextParams: Object.fromEntries(Object.entries(nextParams).map(([k, v]) => [k, v.after])) } : {}),
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
          ...(nextParams ? { nextParams: Object.fromEntries(Object.entries(nextParams).map(([k, v]) => [k, v.after as Json])) } : {}),
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
