/**
 * Runs of a team: start (inputs checked against the workflow), read models (run with its steps and
 * attempts, lists with cursor pagination, step logs), and control (cancel, pause, resume, retry
 * from the failed steps). Control goes through the engine store like any event.
 */
import { z } from "zod";
import type { WorkflowDefinition } from "~/engine/definition/schema";
import type { EngineEvent, RunHeader } from "~/engine/scheduler/types";
import { canControlRun, isRunStatus, isTerminal, isTerminalRunName, isTerminalStepName, RUN_STATUSES, STEP_STATUSES, type RunControl } from "~/engine/status";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { AppError, appErrorOf } from "~/server/errors";
import { newId } from "~/server/ids";
import type { AuditAction } from "~/server/store/audit-actions";
import { engineStore } from "~/server/store/instance";
import { parseStepState } from "~/server/store/step-state";
import { notifyWork } from "~/server/worker/hub";
import { recordAudit } from "./audit/record-audit";
import { checkAutoMode } from "./auto-mode";
import { claimIdempotencyKey, IdempotencyKeyTaken, priorRun, startRequestHash, ZIdempotencyKey } from "./run-idempotency";
import { MAX_ROW_ID, ZName } from "./input-limits";

export const ZApprovalMode = z.enum(["interactive", "auto"]);

export const ZStartRun = z.object({
  workflow: ZName.min(1, "Name the workflow to run."),
  version: z.number().int().positive().max(MAX_ROW_ID).optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  approvalMode: ZApprovalMode.default("interactive"),
  /** a retry with the same key (same caller, same request, within 24 h) returns the first run */
  idempotencyKey: ZIdempotencyKey.optional(),
});

const ZAttempt = z.object({
  attempt: z.number().int(),
  status: z.string(),
  worker: z.string().nullable(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  error: z.string().nullable(),
});

export const ZRunStep = z.object({
  id: z.string(),
  type: z.string(),
  status: z.enum(STEP_STATUSES),
  attempt: z.number().int(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  output: z.unknown().optional(),
  error: z.object({ message: z.string(), code: z.string().optional(), exit_code: z.number().optional() }).nullable(),
  reason: z.string().nullable(),
  needs: z.array(z.string()),
  attempts: z.array(ZAttempt),
});

export const ZRun = z.object({
  id: z.string(),
  workflow: z.string(),
  version: z.number().int(),
  status: z.enum(RUN_STATUSES),
  approvalMode: ZApprovalMode,
  startedBy: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  reason: z.string().nullable(),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  parentRunId: z.string().nullable(),
  progress: z.object({ total: z.number().int(), done: z.number().int(), running: z.number().int() }),
  steps: z.array(ZRunStep),
});
export type TRun = z.infer<typeof ZRun>;

export const ZRunSummary = ZRun.omit({ steps: true, inputs: true, outputs: true });
export type TRunSummary = z.infer<typeof ZRunSummary>;

/** `nextCursor` of listRuns: a creation time (ms, at most 15 digits: a BIGINT and a Date hold it) and a run id. */
const CURSOR = /^\d{1,15}_run_[A-Za-z0-9]{1,64}$/;
const MAX_CURSOR_CHARS = 100;

export const ZListRuns = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  workflow: ZName.optional(),
  /** the `nextCursor` of the previous page: `<createdAt ms>_<run id>` */
  cursor: z
    .string()
    .max(MAX_CURSOR_CHARS)
    .regex(CURSOR, "Invalid cursor: pass the nextCursor of the previous page.")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ZLogLine = z.object({ seq: z.number().int(), attempt: z.number().int(), stream: z.string(), text: z.string(), at: z.date() });

const date = (v: bigint | number | null | undefined): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));

type RunRow = Awaited<ReturnType<typeof db.run.findFirst>> & object;

async function runInTeam(actor: Actor, id: string): Promise<RunRow> {
  const run = await db.run.findFirst({ where: { id, teamId: actor.teamId } });
  if (!run) throw new AppError("NOT_FOUND", `No run ${id} in team ${actor.teamName}.`);
  return run;
}

const emailCache = new Map<string, string>();
async function emailOf(userId: string | null): Promise<string | null> {
  if (!userId) return null;
  let email = emailCache.get(userId);
  if (!email) {
    email = (await db.user.findUnique({ where: { id: userId }, select: { email: true } }))?.email ?? userId;
    emailCache.set(userId, email);
  }
  return email;
}

function summary(row: RunRow, startedBy: string | null, progress: TRunSummary["progress"]): TRunSummary {
  return {
    id: row.id,
    workflow: row.workflowName,
    version: row.version,
    status: z.enum(RUN_STATUSES).parse(row.status),
    approvalMode: ZApprovalMode.parse(row.approvalMode),
    startedBy,
    createdAt: new Date(Number(row.createdAt)),
    startedAt: date(row.startedAt),
    finishedAt: date(row.finishedAt),
    reason: row.reason,
    parentRunId: row.parentRunId,
    progress,
  };
}

export async function getRun(actor: Actor, id: string): Promise<TRun> {
  const row = await runInTeam(actor, id);
  const header = JSON.parse(row.header) as RunHeader;
  const [steps, attempts, version] = await Promise.all([
    db.stepRun.findMany({ where: { runId: id }, orderBy: { seq: "asc" } }),
    db.stepAttempt.findMany({ where: { runId: id }, orderBy: [{ stepId: "asc" }, { attempt: "asc" }] }),
    db.workflowVersion.findUnique({ where: { id: row.workflowVersionId }, select: { definition: true } }),
  ]);
  const needs = needsOf(version?.definition);
  const byStep = new Map<string, z.infer<typeof ZAttempt>[]>();
  for (const a of attempts) {
    const list = byStep.get(a.stepId) ?? [];
    list.push({ attempt: a.attempt, status: a.status, worker: a.worker, startedAt: new Date(Number(a.startedAt)), finishedAt: date(a.finishedAt), error: a.error });
    byStep.set(a.stepId, list);
  }
  const outSteps = steps.map((s) => {
    const st = parseStepState(s.state);
    return {
      id: s.stepId,
      type: s.type,
      status: st.status,
      attempt: st.attempt,
      startedAt: date(st.startedAt),
      finishedAt: date(st.finishedAt),
      output: st.output,
      error: st.error ?? null,
      reason: st.reason ?? null,
      needs: needs.get(s.stepId) ?? [],
      attempts: byStep.get(s.stepId) ?? [],
    };
  });
  const done = outSteps.filter((s) => isTerminal(s.status)).length;
  return {
    ...summary(row, await emailOf(row.startedById), { total: outSteps.length, done, running: outSteps.filter((s) => s.status === "running").length }),
    inputs: header.inputs,
    outputs: row.outputs ? (JSON.parse(row.outputs) as Record<string, unknown>) : null,
    steps: outSteps,
  };
}

/** Step id -> its needs, from the stored definition (top-level and nested control steps). */
function needsOf(definition: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!definition) return out;
  const walk = (steps: unknown): void => {
    if (!Array.isArray(steps)) return;
    for (const s of steps as Record<string, unknown>[]) {
      if (typeof s.id === "string") out.set(s.id, Array.isArray(s.needs) ? (s.needs as string[]) : []);
      walk(s.steps);
      walk(s.then);
      walk(s.else);
    }
  };
  walk((JSON.parse(definition) as { steps?: unknown }).steps);
  return out;
}

export async function listRuns(actor: Actor, input: z.infer<typeof ZListRuns>): Promise<{ items: TRunSummary[]; nextCursor: string | null }> {
  let cursor: { createdAt: bigint; id: string } | undefined;
  if (input.cursor) {
    const [at, id] = input.cursor.split("_run_");
    if (!at || !id || !/^\d+$/.test(at)) throw new AppError("BAD_REQUEST", "Invalid cursor: pass the nextCursor of the previous page.");
    cursor = { createdAt: BigInt(at), id: `run_${id}` };
  }
  const rows = await db.run.findMany({
    where: {
      teamId: actor.teamId,
      ...(input.status ? { status: input.status } : {}),
      ...(input.workflow ? { workflowName: input.workflow } : {}),
      ...(cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const counts = page.length
    ? await db.stepRun.groupBy({ by: ["runId", "status"], where: { runId: { in: page.map((r) => r.id) } }, _count: { _all: true } })
    : [];
  const items = await Promise.all(
    page.map(async (row) => {
      const mine = counts.filter((c) => c.runId === row.id);
      const total = mine.reduce((n, c) => n + c._count._all, 0);
      const done = mine.filter((c) => isTerminalStepName(c.status)).reduce((n, c) => n + c._count._all, 0);
      const running = mine.filter((c) => c.status === "running").reduce((n, c) => n + c._count._all, 0);
      return summary(row, await emailOf(row.startedById), { total, done, running });
    }),
  );
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > input.limit && last ? `${last.createdAt}_${last.id}` : null };
}

export async function startRun(actor: Actor, input: z.infer<typeof ZStartRun>): Promise<TRun> {
  const wf = await db.workflow.findUnique({ where: { teamId_name: { teamId: actor.teamId, name: input.workflow } } });
  if (!wf) throw new AppError("NOT_FOUND", `No workflow "${input.workflow}" in team ${actor.teamName}.`);
  const version = await db.workflowVersion.findFirst({
    where: { workflowId: wf.id, ...(input.version ? { version: input.version } : {}) },
    orderBy: { version: "desc" },
  });
  if (!version) throw new AppError("NOT_FOUND", `Workflow "${input.workflow}" has no version ${input.version ?? ""}.`);
  if (input.approvalMode === "auto") checkAutoMode(actor, JSON.parse(version.definition) as WorkflowDefinition);
  const key = input.idempotencyKey;
  const hash = key === undefined ? "" : startRequestHash(input);
  // A retry of a start that went through: its run, without starting anything.
  const earlier = key === undefined ? null : await priorRun(actor, key, hash);
  if (earlier) return getRun(actor, earlier);
  const runId = newId("run");
  try {
    await engineStore().startRun({
      runId,
      teamId: actor.teamId,
      workflowId: wf.id,
      workflowVersionId: version.id,
      version: version.version,
      inputs: input.inputs,
      startedBy: actor.userId,
      approvalMode: input.approvalMode,
    }, async (q) => {
      if (key !== undefined) await claimIdempotencyKey(q, actor, key, hash, runId);
      await recordAudit({ sql: q }, actor, {
        action: "run.started",
        targetId: runId,
        after: { workflow: wf.name, version: version.version, approvalMode: input.approvalMode, inputs: input.inputs ?? {} },
      });
    });
  } catch (e) {
    // A concurrent request with the key started its run first (this one rolled back): that run.
    if (e instanceof IdempotencyKeyTaken && key !== undefined) {
      const first = await priorRun(actor, key, hash);
      if (first) return getRun(actor, first);
      throw new AppError("CONFLICT", `Idempotency-Key "${key}" was just released by an expiring request: send the request again.`);
    }
    // Wrong or too large inputs (engine errors) as every caller of this service sees them: 400 / 413.
    throw appErrorOf(e) ?? e;
  }
  notifyWork();
  return getRun(actor, runId);
}

export type { RunControl };

const AUDIT_ACTION = { cancel: "run.cancelled", pause: "run.paused", resume: "run.resumed", retry: "run.retried" } as const satisfies Record<RunControl, AuditAction>;

export async function controlRun(actor: Actor, id: string, action: RunControl): Promise<TRun> {
  const row = await runInTeam(actor, id);
  // The engine's own rule (status.ts): a control it would ignore is refused here, not accepted as a no-op.
  if (!isRunStatus(row.status) || !canControlRun(action, row.status)) {
    throw new AppError("CONFLICT", `Cannot ${action} a run that is ${row.status}${action === "retry" ? ": only failed or cancelled runs are retried" : ""}.`);
  }
  const at = Date.now();
  const by = actor.email;
  const event: EngineEvent =
    action === "cancel"
      ? { type: "run_cancel_requested", by, reason: `cancelled by ${by}`, at }
      : action === "pause"
        ? { type: "run_pause_requested", by, at }
        : action === "resume"
          ? { type: "run_resume_requested", by, at }
          : { type: "run_retry_requested", by, at };
  const store = engineStore();
  try {
    await store.transaction(async (q, process) => {
      // (PostgreSQL: the run's row locked first, as the engine's own transaction would lock it.)
      const status = async (lock: boolean) =>
        (await q.all<{ status: string }>(`SELECT "status" FROM "Run" WHERE "id" = ?${lock && store.sql.kind === "postgresql" ? " FOR UPDATE" : ""}`, [id]))[0]?.status;
      const before = await status(true);
      await process([{ runId: id, event }]);
      await recordAudit({ sql: q }, actor, { action: AUDIT_ACTION[action], targetId: id, before: { status: before }, after: { status: await status(false) } });
    });
  } catch (e) {
    throw appErrorOf(e) ?? e;
  }
  notifyWork();
  return getRun(actor, id);
}

export async function stepLogs(
  actor: Actor,
  input: { id: string; stepId: string; after?: number; limit?: number },
): Promise<{ lines: z.infer<typeof ZLogLine>[]; nextAfter: number; done: boolean }> {
  const run = await runInTeam(actor, input.id);
  const rows = await db.stepLog.findMany({
    where: { runId: input.id, stepId: input.stepId, ...(input.after ? { id: { gt: input.after } } : {}) },
    orderBy: { id: "asc" },
    take: input.limit ?? 500,
  });
  const step = await db.stepRun.findUnique({ where: { runId_stepId: { runId: input.id, stepId: input.stepId } }, select: { status: true } });
  if (!step) throw new AppError("NOT_FOUND", `Run ${input.id} has no step "${input.stepId}".`);
  const last = rows[rows.length - 1];
  const finished = isTerminalRunName(run.status) || isTerminalStepName(step.status);
  return {
    lines: rows.map((r) => ({ seq: r.id, attempt: r.attempt, stream: r.stream, text: r.text, at: new Date(Number(r.at)) })),
    nextAfter: last ? last.id : (input.after ?? 0),
    done: finished && rows.length < (input.limit ?? 500),
  };
}
