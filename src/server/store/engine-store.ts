/**
 * The engine's durable store: runs, step records and the task queue in SQL, driven by the pure
 * `decide()`. One call of `processEvents` is one transaction for a whole group of events (group
 * commit): for each event it checks the fence, loads only the records the event touches, decides,
 * writes the patch and turns the commands into task rows (the outbox). Crash anywhere and the
 * database still tells the truth: either the whole group is in, or none of it.
 *
 * Tasks: `step` rows are work (a start_step command) claimed with a lease — owner, expiry, and the
 * attempt as fencing token; `event` rows are durable events due at `availableAt` (timers, retries,
 * gate expiry, auto-approval, a child run's end for its parent); `child_run` rows start a
 * sub-workflow's run.
 */
import { parseDuration } from "~/engine/duration";
import { EngineError } from "~/engine/errors";
import { compilePlan, type Plan, type PlanNode } from "~/engine/graph/compile-plan";
import type { Json } from "~/engine/json";
import { createRun, touchedSteps } from "~/engine/scheduler/create-run";
import { applyRunPatch } from "~/engine/scheduler/apply-run-patch";
import { decide, RETRY_CANDIDATE_STATUSES } from "~/engine/scheduler/decide";
import type { EngineCommand, EngineEvent, GateAction, RunHeader, RunState, StepState } from "~/engine/scheduler/types";
import type { WorkflowDefinition } from "~/engine/definition/schema";
import { newId } from "~/server/ids";
import { appendAudit } from "./audit";
import type { SqlDb, SqlExec, SqlValue } from "./sql";

export type StartStepCommand = Extract<EngineCommand, { kind: "start_step" }>;

/** A claimed unit of work: one attempt of one step, leased to one worker. */
export interface StepTask {
  taskId: number;
  runId: string;
  stepId: string;
  attempt: number;
  command: StartStepCommand;
}

/** What a gate notification says (the worker renders it as JSON or Slack text and signs it). */
export interface GateNotification {
  event: "gate.opened" | "gate.escalated";
  gateId: string;
  runId: string;
  stepId: string;
  workflow: string;
  expiresAt: number | null;
  escalatedTo?: string[];
}

export interface EventInput {
  runId: string;
  event: EngineEvent;
  /** The task this event settles: its row must still be leased to `owner`, else the event is rejected. */
  fence?: { taskId: number; owner: string };
  /** Log lines to store with the event (a step's last output), in the same transaction. */
  logs?: LogLine[];
}

export interface LogLine {
  runId: string;
  stepId: string;
  attempt: number;
  stream: "stdout" | "stderr" | "system";
  text: string;
  at: number;
}

export interface ProcessResult {
  /** Step tasks created and leased to the caller (self-claimed), to execute now. */
  claimed: StepTask[];
  /** Steps to stop: cancel_step commands (the worker that runs one aborts it). */
  cancelled: { runId: string; stepId: string; attempt: number }[];
  /** Events refused because their fence was lost (another worker owns the step now). */
  rejected: EventInput[];
  /** True when a task became available to any worker (wake the others). */
  queued: boolean;
}

/** A leased notification job: `webhook` (deliver one notification) or `escalate` (a gate's escalation is due). */
export interface JobTask {
  taskId: number;
  runId: string;
  kind: "webhook" | "escalate";
  payload: unknown;
  /** deliveries tried before this lease */
  claims: number;
}

export interface ClaimResult {
  steps: StepTask[];
  jobs: JobTask[];
  /** Due event tasks, leased: settle each with processEvents({fence}). */
  events: { taskId: number; runId: string; event: EngineEvent }[];
  childRuns: { taskId: number; runId: string; command: Extract<EngineCommand, { kind: "start_child_run" }> }[];
}

export interface StoreOptions {
  /** How long a claim holds without a heartbeat. @default 30_000 */
  leaseMs?: number;
  /** Time source (tests). @default Date.now */
  now?: () => number;
  /** Called at named points of a transaction (crash tests). */
  crashpoint?: (name: "before_commit" | "mid_fanout") => void;
}

const ACTIVE = ["ready", "running", "waiting_approval", "waiting_retry"] as const;
/** Task kinds other than step work, as an SQL list. */
const OTHER_KINDS = "'event','child_run','webhook','escalate'";

type RunRow = { header: string; workflowVersionId: string; status: string; teamId: string };

/** Gate status after a gate action. */
const GATE_STATUS: Record<GateAction, string> = {
  approve: "approved",
  modify: "modified",
  retry: "retried",
  skip: "skipped",
  reject: "rejected",
  cancel: "cancelled",
  expire: "expired",
};

/** Everything one transaction has read or changed of one run. */
interface RunCtx {
  teamId: string;
  header: RunHeader;
  plan: Plan;
  steps: Map<string, StepState>;
  /** Records that exist in the database (an update), vs. new ones (foreach instances: insert). */
  stored: Set<string>;
  headerDirty: boolean;
  finishedNow: boolean;
}

/** What the UI shows as a record's type: the step's type, or `branch` for a conditional's `if`. */
function stepType(node: PlanNode | undefined): string {
  if (!node) return "task";
  return node.kind === "branch" ? "branch" : node.step.type;
}

function parse<T>(text: unknown): T {
  return JSON.parse(String(text)) as T;
}

/**
 * An attempt's history row, written once when the attempt ends (succeeded, failed, timed out,
 * cancelled, or lost with its worker): one statement per step on the hot path. A running attempt
 * is the step record itself plus its leased task. SQLite and PostgreSQL share the upsert syntax.
 */
const RECORD_ATTEMPT =
  'INSERT INTO "StepAttempt" ("runId","stepId","attempt","worker","status","startedAt","finishedAt","error") VALUES (?,?,?,?,?,?,?,?) ON CONFLICT ("runId","stepId","attempt") DO UPDATE SET "status" = excluded."status", "finishedAt" = excluded."finishedAt", "error" = excluded."error"';

export class EngineStore {
  private readonly plans = new Map<string, Plan>();
  readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    readonly sql: SqlDb,
    private readonly options: StoreOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  // ---- plans ------------------------------------------------------------------------------------

  private async planOf(q: SqlExec, versionId: string): Promise<Plan> {
    let plan = this.plans.get(versionId);
    if (!plan) {
      const rows = await q.all<{ definition: string }>('SELECT "definition" FROM "WorkflowVersion" WHERE "id" = ?', [versionId]);
      const row = rows[0];
      if (!row) throw new Error(`workflow version ${versionId} not found`);
      plan = compilePlan(parse<WorkflowDefinition>(row.definition));
      this.plans.set(versionId, plan);
    }
    return plan;
  }

  // ---- runs -------------------------------------------------------------------------------------

  /**
   * Creates a run of a workflow version and starts it, in one transaction. Inputs are validated
   * against the workflow's inputs (EngineError "invalid_input").
   */
  async startRun(input: {
    runId: string;
    teamId: string;
    workflowId: string;
    workflowVersionId: string;
    version: number;
    inputs?: Record<string, unknown>;
    startedBy?: string;
    approvalMode?: "interactive" | "auto";
    parent?: RunHeader["parent"];
    owner?: string;
    claimLimit?: number;
  }): Promise<ProcessResult> {
    return this.sql.tx(async (q) => {
      const plan = await this.planOf(q, input.workflowVersionId);
      const { run, steps } = createRun(plan, {
        runId: input.runId,
        inputs: input.inputs,
        startedBy: input.startedBy,
        approvalMode: input.approvalMode ?? "interactive",
        parent: input.parent,
      });
      await this.insertRun(q, input, run, steps);
      return this.processInTx(q, [{ runId: run.id, event: { type: "run_started", at: this.now() } }], input.owner, input.claimLimit ?? 0);
    });
  }

  private async insertRun(
    q: SqlExec,
    input: { teamId: string; workflowId: string; workflowVersionId: string; version: number; startedBy?: string; approvalMode?: string; parent?: RunHeader["parent"] },
    run: RunHeader,
    steps: StepState[],
  ): Promise<void> {
    const now = this.now();
    await q.run(
      'INSERT INTO "Run" ("id","teamId","workflowId","workflowVersionId","workflowName","version","status","approvalMode","startedById","parentRunId","header","createdAt","updatedAt") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
      [
        run.id,
        input.teamId,
        input.workflowId,
        input.workflowVersionId,
        run.workflow,
        input.version,
        run.status,
        input.approvalMode ?? "interactive",
        input.startedBy ?? null,
        input.parent?.runId ?? null,
        JSON.stringify(run),
        now,
        now,
      ],
    );
    const plan = await this.planOf(q, input.workflowVersionId);
    // Multi-row inserts in chunks: a 10,000-step run is a handful of statements.
    const CHUNK = 200;
    for (let i = 0; i < steps.length; i += CHUNK) {
      const chunk = steps.slice(i, i + CHUNK);
      const args: SqlValue[] = [];
      for (let j = 0; j < chunk.length; j++) {
        const s = chunk[j] as StepState;
        args.push(run.id, s.id, i + j, s.status, s.attempt, stepType(plan.nodes.get(s.id)), JSON.stringify(s));
      }
      await q.run(
        `INSERT INTO "StepRun" ("runId","stepId","seq","status","attempt","type","state") VALUES ${chunk.map(() => "(?,?,?,?,?,?,?)").join(",")}`,
        args,
      );
    }
  }

  // ---- events -----------------------------------------------------------------------------------

  /**
   * A transaction of the caller's statements and events together (the approvals service records a
   * decision with a conditional update, then feeds the gate's event, atomically).
   */
  transaction<T>(fn: (q: SqlExec, process: (inputs: readonly EventInput[]) => Promise<ProcessResult>) => Promise<T>): Promise<T> {
    return this.sql.tx((q) => fn(q, (inputs) => this.processInTx(q, inputs, undefined, 0)));
  }

  /** Applies a group of events in one transaction. */
  processEvents(inputs: readonly EventInput[], owner?: string, claimLimit = 0): Promise<ProcessResult> {
    return this.sql.tx((q) => this.processInTx(q, inputs, owner, claimLimit));
  }

  private async processInTx(q: SqlExec, inputs: readonly EventInput[], owner: string | undefined, claimLimit: number): Promise<ProcessResult> {
    const result: ProcessResult = { claimed: [], cancelled: [], rejected: [], queued: false };
    const runs = new Map<string, RunCtx>();
    const logs: LogLine[] = [];
    let budget = claimLimit;

    // Events of one run keep their order; runs are locked in id order, so two workers' groups
    // cannot deadlock on each other's runs.
    const ordered = inputs.length > 1 ? [...inputs].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0)) : inputs;
    for (const input of ordered) {
      if (input.fence) {
        const n = await q.run('DELETE FROM "Task" WHERE "id" = ? AND "leaseOwner" = ?', [input.fence.taskId, input.fence.owner]);
        if (n === 0) {
          result.rejected.push(input);
          continue;
        }
      }
      if (input.logs) logs.push(...input.logs);
      const ctx = await this.runCtx(q, runs, input.runId);
      if (!ctx) continue;
      const decision = await this.decideWithLoads(q, ctx, input.event);
      // When the event's step started, before the patch rewrites its record (for its attempt row).
      const startedAt = "stepId" in input.event ? ctx.steps.get(input.event.stepId)?.startedAt : undefined;
      const { patch, commands } = decision;

      // Run header: fields and counter deltas.
      const header = applyRunPatch(ctx.header, patch);
      if (header !== ctx.header) {
        ctx.header = header;
        ctx.headerDirty = true;
      }
      const now = this.now();
      for (const step of patch.steps) await this.writeStep(q, ctx, step, now);
      if (patch.pendingTo) await this.pendingTo(q, ctx, patch.pendingTo);

      let started = 0;
      for (const command of commands) {
        switch (command.kind) {
          case "start_step": {
            const self = owner !== undefined && budget > 0;
            if (self) budget--;
            const id = await this.insertTask(q, {
              runId: command.runId,
              stepId: command.stepId,
              attempt: command.attempt,
              kind: "step",
              payload: command,
              availableAt: now,
              owner: self ? owner : undefined,
            });
            if (self && owner) {
              result.claimed.push({ taskId: id, runId: command.runId, stepId: command.stepId, attempt: command.attempt, command });
            } else result.queued = true;
            if (++started === 2) this.options.crashpoint?.("mid_fanout");
            break;
          }
          case "schedule_retry":
            await this.insertEvent(q, command.runId, command.at, { type: "retry_timer_fired", stepId: command.stepId, attempt: command.attempt, at: command.at });
            break;
          case "schedule_timer":
            await this.insertEvent(
              q,
              command.runId,
              command.at,
              command.timer === "wait"
                ? { type: "wait_timer_fired", stepId: command.stepId, attempt: command.attempt, at: command.at }
                : { type: "run_timed_out", at: command.at },
            );
            break;
          case "open_gate":
            await q.run(
              'INSERT INTO "Approval" ("id","teamId","runId","stepId","attempt","gateId","status","policy","output","requestedAt","expiresAt") VALUES (?,?,?,?,?,?,?,?,?,?,?)',
              [
                newId("apr"),
                ctx.teamId,
                command.runId,
                command.stepId,
                command.attempt,
                command.gateId,
                "pending",
                JSON.stringify(command.policy),
                command.output === undefined ? null : JSON.stringify(command.output),
                now,
                command.expiresAt ?? null,
              ],
            );
            await appendAudit(q, this.sql.kind, {
              teamId: ctx.teamId,
              at: now,
              actor: "engine",
              action: "gate.opened",
              target: `${command.runId}/${command.stepId}#${command.attempt}`,
              after: { gateId: command.gateId, expiresAt: command.expiresAt ?? null },
            });
            if (ctx.header.approvalMode !== "auto") {
              if (await this.notify(q, ctx.teamId, { event: "gate.opened", gateId: command.gateId, runId: command.runId, stepId: command.stepId, workflow: ctx.header.workflow, expiresAt: command.expiresAt ?? null }, now)) result.queued = true;
              const escalate = command.policy.escalate;
              if (escalate) {
                await this.insertTask(q, {
                  runId: command.runId,
                  stepId: command.stepId,
                  kind: "escalate",
                  payload: { gateId: command.gateId, roles: escalate.roles, workflow: ctx.header.workflow },
                  availableAt: now + parseDuration(escalate.after),
                });
              }
            }
            if (ctx.header.approvalMode === "auto") {
              await this.insertEvent(q, command.runId, now, {
                type: "gate_decided",
                stepId: command.stepId,
                gateId: command.gateId,
                action: "approve",
                by: "auto mode",
                comment: "approved by auto mode",
                at: now,
              });
              result.queued = true;
            } else if (command.expiresAt !== undefined) {
              await this.insertEvent(q, command.runId, command.expiresAt, {
                type: "gate_decided",
                stepId: command.stepId,
                gateId: command.gateId,
                action: "expire",
                by: "expiry",
                at: command.expiresAt,
              });
            }
            break;
          case "cancel_step": {
            // Deleting the task is the signal: its worker's next heartbeat finds it gone and kills it.
            const held = await q.all<{ leaseOwner: string | null }>('SELECT "leaseOwner" FROM "Task" WHERE "runId" = ? AND "stepId" = ? AND "kind" = ?', [
              command.runId,
              command.stepId,
              "step",
            ]);
            await q.run('DELETE FROM "Task" WHERE "runId" = ? AND "stepId" = ? AND "kind" = ?', [command.runId, command.stepId, "step"]);
            const started = ctx.steps.get(command.stepId)?.startedAt ?? now;
            await q.run(RECORD_ATTEMPT, [command.runId, command.stepId, command.attempt, held[0]?.leaseOwner ?? null, "cancelled", started, now, command.reason]);
            result.cancelled.push({ runId: command.runId, stepId: command.stepId, attempt: command.attempt });
            // A subworkflow step's child run is cancelled with it (durably, as an event of the child).
            const children = await q.all<{ id: string; header: string }>(
              'SELECT "id", "header" FROM "Run" WHERE "parentRunId" = ? AND "status" NOT IN (\'succeeded\', \'failed\', \'cancelled\')',
              [command.runId],
            );
            for (const child of children) {
              if (parse<RunHeader>(child.header).parent?.stepId !== command.stepId) continue;
              await this.insertEvent(q, child.id, now, { type: "run_cancel_requested", by: "parent run", reason: `parent run ${command.runId} cancelled`, at: now });
              result.queued = true;
            }
            break;
          }
          case "start_child_run":
            await this.insertTask(q, { runId: command.runId, stepId: command.stepId, attempt: command.attempt, kind: "child_run", payload: command, availableAt: now });
            result.queued = true;
            break;
          case "finish_run": {
            ctx.finishedNow = true;
            // Gates still open when the run ends can never be decided now.
            await q.run('UPDATE "Approval" SET "status" = ?, "decidedAt" = ?, "decidedBy" = ?, "version" = "version" + 1 WHERE "runId" = ? AND "status" = ?', [
              "cancelled",
              now,
              "run ended",
              command.runId,
              "pending",
            ]);
            await q.run('UPDATE "Run" SET "outputs" = ? WHERE "id" = ?', [JSON.stringify(command.outputs), command.runId]);
            // Timers of a finished run can never matter again.
            await q.run('DELETE FROM "Task" WHERE "runId" = ? AND "kind" = ?', [command.runId, "event"]);
            const parent = ctx.header.parent;
            if (parent) {
              await this.insertEvent(q, parent.runId, now, {
                type: "subworkflow_finished",
                stepId: parent.stepId,
                attempt: parent.attempt,
                childRunId: command.runId,
                status: command.status,
                output: command.outputs as Json,
                ...(command.status !== "succeeded" ? { error: { message: command.reason } } : {}),
                at: now,
              });
              result.queued = true;
            }
            break;
          }
          default: {
            const never: never = command;
            throw new Error(`unknown command ${JSON.stringify(never)}`);
          }
        }
      }
      // A gate decided by auto mode or by its expiry (people's decisions are settled by the
      // approvals service in the same transaction, before the event).
      const e = input.event;
      if (e.type === "gate_decided" && (await q.run('UPDATE "Approval" SET "status" = ?, "decidedAt" = ?, "decidedBy" = ?, "version" = "version" + 1 WHERE "gateId" = ? AND "status" = ?', [GATE_STATUS[e.action], now, e.by ?? null, e.gateId, "pending"])) > 0) {
        await appendAudit(q, this.sql.kind, {
          teamId: ctx.teamId,
          at: now,
          actor: e.by ?? "engine",
          action: e.action === "expire" ? "gate.expired" : "gate.decided",
          target: `${input.runId}/${e.stepId}`,
          before: { status: "pending" },
          after: { status: GATE_STATUS[e.action], comment: e.comment ?? null },
        });
      }
      // The attempt of a step that just finished goes into its history.
      if (e.type === "step_succeeded" || e.type === "step_failed" || e.type === "step_timed_out") {
        const error = e.type === "step_failed" ? e.error.message : e.type === "step_timed_out" ? "timed out" : null;
        const status = e.type === "step_succeeded" ? "succeeded" : e.type === "step_failed" ? "failed" : "timed_out";
        const started = startedAt ?? now;
        await q.run(RECORD_ATTEMPT, [input.runId, e.stepId, e.attempt, input.fence?.owner ?? null, status, started, now, error]);
      }
    }

    for (const ctx of runs.values()) {
      if (!ctx.headerDirty) continue;
      const h = ctx.header;
      await q.run('UPDATE "Run" SET "header" = ?, "status" = ?, "reason" = ?, "startedAt" = ?, "finishedAt" = ?, "updatedAt" = ? WHERE "id" = ?', [
        JSON.stringify(h),
        h.status,
        h.reason ?? null,
        h.startedAt ?? null,
        h.finishedAt ?? null,
        this.now(),
        h.id,
      ]);
    }
    if (logs.length) await this.insertLogs(q, logs);
    this.options.crashpoint?.("before_commit");
    return result;
  }

  private async runCtx(q: SqlExec, runs: Map<string, RunCtx>, runId: string): Promise<RunCtx | undefined> {
    let ctx = runs.get(runId);
    if (ctx) return ctx;
    // PostgreSQL: lock the run row, so two workers settling steps of one run take turns (SQLite's
    // BEGIN IMMEDIATE already serialises every writer).
    const rows = await q.all<RunRow>(`SELECT "header", "workflowVersionId", "status", "teamId" FROM "Run" WHERE "id" = ?${this.sql.kind === "postgresql" ? " FOR UPDATE" : ""}`, [runId]);
    const row = rows[0];
    if (!row) return undefined;
    ctx = {
      teamId: row.teamId,
      header: parse<RunHeader>(row.header),
      plan: await this.planOf(q, row.workflowVersionId),
      steps: new Map(),
      stored: new Set(),
      headerDirty: false,
      finishedNow: false,
    };
    runs.set(runId, ctx);
    return ctx;
  }

  private async loadSteps(q: SqlExec, ctx: RunCtx, ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !ctx.steps.has(id));
    for (let i = 0; i < missing.length; i += 500) {
      const part = missing.slice(i, i + 500);
      const rows = await q.all<{ state: string }>(
        `SELECT "state" FROM "StepRun" WHERE "runId" = ? AND "stepId" IN (${part.map(() => "?").join(",")})`,
        [ctx.header.id, ...part],
      );
      for (const r of rows) {
        const s = parse<StepState>(r.state);
        ctx.steps.set(s.id, s);
        ctx.stored.add(s.id);
      }
    }
  }

  private async idsWithStatus(q: SqlExec, runId: string, statuses: readonly string[], limit?: number): Promise<string[]> {
    const rows = await q.all<{ stepId: string }>(
      `SELECT "stepId" FROM "StepRun" WHERE "runId" = ? AND "status" IN (${statuses.map(() => "?").join(",")}) ORDER BY "readyAt", "seq"${limit !== undefined ? " LIMIT ?" : ""}`,
      limit !== undefined ? [runId, ...statuses, limit] : [runId, ...statuses],
    );
    return rows.map((r) => r.stepId);
  }

  /** decide() on the records the event touches; loads what it finds missing and decides again. */
  private async decideWithLoads(q: SqlExec, ctx: RunCtx, event: EngineEvent) {
    const plan = ctx.plan;
    const touched = touchedSteps(plan, "stepId" in event ? event.stepId : undefined);
    await this.loadSteps(q, ctx, touched);
    // The ready queue only holds records while the run is paused or at its concurrency limit;
    // active records are only needed to cancel. Both are read only for the events that use them.
    const header = ctx.header;
    const needsReady = plan.concurrency > 0 || header.status === "paused" || event.type === "run_resume_requested";
    const ready = needsReady ? await this.idsWithStatus(q, header.id, ["ready"], Math.max(plan.concurrency, 1) * 4 + 64) : [];
    const cancelling =
      event.type === "run_cancel_requested" ||
      event.type === "run_timed_out" ||
      (event.type === "gate_decided" && (event.action === "cancel" || event.action === "expire"));
    const active = cancelling ? await this.idsWithStatus(q, header.id, ACTIVE) : undefined;
    if (ready.length) await this.loadSteps(q, ctx, ready);
    if (active?.length) await this.loadSteps(q, ctx, active);
    // A run retry reads its failed region: one indexed query, only for that event.
    const region = event.type === "run_retry_requested" ? await this.idsWithStatus(q, header.id, RETRY_CANDIDATE_STATUSES) : undefined;
    if (region?.length) await this.loadSteps(q, ctx, region);
    for (let tries = 0; ; tries++) {
      const state: RunState = {
        run: ctx.header,
        steps: ctx.steps,
        readySteps: (limit) => ready.filter((id) => ctx.steps.get(id)?.status === "ready").slice(0, limit),
        activeSteps: () => {
          if (!active) throw new EngineError("internal", `active steps of ${header.id} were not loaded for ${event.type}`);
          return active;
        },
        stepsWithStatus: (statuses) => {
          if (!region) throw new EngineError("internal", `steps by status of ${header.id} were not loaded for ${event.type}`);
          return region.map((id) => ctx.steps.get(id)).filter((s): s is StepState => s !== undefined && statuses.includes(s.status));
        },
      };
      try {
        return decide(plan, state, event);
      } catch (err) {
        const missing = err instanceof EngineError && err.code === "state_incomplete" ? (err.details as { stepId?: string } | undefined)?.stepId : undefined;
        if (missing !== undefined && !ctx.steps.has(missing) && tries < 1000) {
          await this.loadSteps(q, ctx, [missing]);
          if (ctx.steps.has(missing)) continue;
        }
        throw err;
      }
    }
  }

  private async writeStep(q: SqlExec, ctx: RunCtx, step: StepState, now: number): Promise<void> {
    const before = ctx.steps.get(step.id);
    ctx.steps.set(step.id, step);
    const readyAt = step.status === "ready" ? (before?.status === "ready" ? null : now) : null;
    const state = JSON.stringify(step);
    if (ctx.stored.has(step.id)) {
      await q.run(
        'UPDATE "StepRun" SET "status" = ?, "attempt" = ?, "state" = ?, "readyAt" = COALESCE(?, CASE WHEN ? = \'ready\' THEN "readyAt" ELSE NULL END), "startedAt" = ?, "finishedAt" = ? WHERE "runId" = ? AND "stepId" = ?',
        [step.status, step.attempt, state, readyAt, step.status, step.startedAt ?? null, step.finishedAt ?? null, ctx.header.id, step.id],
      );
    } else {
      const node = ctx.plan.nodes.get(step.parent ?? step.id);
      await q.run(
        'INSERT INTO "StepRun" ("runId","stepId","seq","status","attempt","type","state","readyAt","startedAt","finishedAt") VALUES (?,?,(SELECT COALESCE(MAX("seq"),0)+1 FROM "StepRun" WHERE "runId" = ?),?,?,?,?,?,?,?)',
        [ctx.header.id, step.id, ctx.header.id, step.status, step.attempt, stepType(node?.template ?? node), state, readyAt, step.startedAt ?? null, step.finishedAt ?? null],
      );
      ctx.stored.add(step.id);
    }
  }

  private async pendingTo(q: SqlExec, ctx: RunCtx, status: "cancelled"): Promise<void> {
    const ids = await this.idsWithStatus(q, ctx.header.id, ["pending"]);
    await this.loadSteps(q, ctx, ids);
    const now = this.now();
    for (const id of ids) {
      const s = ctx.steps.get(id);
      if (s && s.status === "pending") await this.writeStep(q, ctx, { ...s, status, reason: ctx.header.reason ?? "run ended" }, now);
    }
  }

  private async insertTask(
    q: SqlExec,
    t: { runId: string; stepId?: string; attempt?: number; kind: "step" | "event" | "child_run" | "webhook" | "escalate"; payload: unknown; availableAt: number; owner?: string },
  ): Promise<number> {
    const lease = t.owner ? this.now() + this.leaseMs : null;
    const rows = await q.all<{ id: number }>(
      'INSERT INTO "Task" ("runId","stepId","attempt","kind","payload","availableAt","leaseOwner","leaseExpiresAt","claims") VALUES (?,?,?,?,?,?,?,?,?) RETURNING "id"',
      [t.runId, t.stepId ?? null, t.attempt ?? null, t.kind, JSON.stringify(t.payload), t.availableAt, t.owner ?? null, lease, t.owner ? 1 : 0],
    );
    return Number(rows[0]?.id);
  }

  /** Queues one webhook delivery per enabled endpoint of the team. Returns whether any was queued. */
  private async notify(q: SqlExec, teamId: string, event: GateNotification, now: number): Promise<boolean> {
    const endpoints = await q.all<{ id: string }>('SELECT "id" FROM "WebhookEndpoint" WHERE "teamId" = ? AND "enabled" = TRUE', [teamId]);
    for (const e of endpoints) {
      await this.insertTask(q, { runId: event.runId, stepId: event.stepId, kind: "webhook", payload: { endpointId: e.id, teamId, notification: event }, availableAt: now });
    }
    return endpoints.length > 0;
  }

  /**
   * A gate's escalation is due (a leased `escalate` job): when the gate is still pending, it is
   * recorded in the audit log and the team's webhooks are told which roles it goes to.
   */
  async escalate(job: JobTask, owner: string): Promise<boolean> {
    const p = job.payload as { gateId: string; roles: string[]; workflow: string };
    return this.sql.tx(async (q) => {
      if ((await q.run('DELETE FROM "Task" WHERE "id" = ? AND "leaseOwner" = ?', [job.taskId, owner])) === 0) return false;
      const rows = await q.all<{ teamId: string; stepId: string; status: string }>('SELECT "teamId", "stepId", "status" FROM "Approval" WHERE "gateId" = ?', [p.gateId]);
      const gate = rows[0];
      if (!gate || gate.status !== "pending") return false;
      const now = this.now();
      await appendAudit(q, this.sql.kind, { teamId: gate.teamId, at: now, actor: "engine", action: "gate.escalated", target: `${job.runId}/${gate.stepId}`, after: { roles: p.roles } });
      return this.notify(q, gate.teamId, { event: "gate.escalated", gateId: p.gateId, runId: job.runId, stepId: gate.stepId, workflow: p.workflow, expiresAt: null, escalatedTo: p.roles }, now);
    });
  }

  /** A webhook job ended: delivered or given up (removed), or due again at `retryAt`. Fenced by the lease. */
  async settleJob(job: JobTask, owner: string, retryAt?: number): Promise<void> {
    await this.sql.tx((q) =>
      retryAt === undefined
        ? q.run('DELETE FROM "Task" WHERE "id" = ? AND "leaseOwner" = ?', [job.taskId, owner])
        : q.run('UPDATE "Task" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "availableAt" = ? WHERE "id" = ? AND "leaseOwner" = ?', [retryAt, job.taskId, owner]),
    );
  }

  private insertEvent(q: SqlExec, runId: string, at: number, event: EngineEvent): Promise<number> {
    return this.insertTask(q, { runId, stepId: "stepId" in event ? event.stepId : undefined, kind: "event", payload: event, availableAt: at });
  }

  private async insertLogs(q: SqlExec, lines: LogLine[]): Promise<void> {
    for (let i = 0; i < lines.length; i += 100) {
      const part = lines.slice(i, i + 100);
      const args: SqlValue[] = [];
      for (const l of part) args.push(l.runId, l.stepId, l.attempt, l.stream, l.text, l.at);
      await q.run(`INSERT INTO "StepLog" ("runId","stepId","attempt","stream","text","at") VALUES ${part.map(() => "(?,?,?,?,?,?)").join(",")}`, args);
    }
  }

  /** Stores log lines on their own (a running step's output between its start and end). */
  appendLogs(lines: LogLine[]): Promise<void> {
    return this.sql.tx((q) => this.insertLogs(q, lines));
  }

  // ---- claims, leases -----------------------------------------------------------------------------

  /**
   * Leases due tasks to `owner`: up to `stepLimit` step tasks and up to `otherLimit` others. A step
   * task whose attempt was already started (its previous lease expired or was released) runs again
   * as a new attempt: the step record's attempt is bumped, so a late write of the old attempt is
   * refused by decide and by the fence.
   */
  async claim(owner: string, stepLimit: number, otherLimit = 100): Promise<ClaimResult> {
    const out: ClaimResult = { steps: [], jobs: [], events: [], childRuns: [] };
    if (stepLimit <= 0 && otherLimit <= 0) return out;
    // Most polls find nothing: look first without taking the write lock.
    const look = this.now();
    const any = await this.sql.read(
      `SELECT 1 AS "x" FROM "Task" WHERE "kind" IN (${stepLimit > 0 ? "'step'," : ""}${OTHER_KINDS}) AND "leaseOwner" IS NULL AND "availableAt" <= ? UNION ALL SELECT 1 AS "x" FROM "Task" WHERE "leaseExpiresAt" < ? LIMIT 1`,
      [look, look],
    );
    if (!any.length) return out;
    await this.sql.tx(async (q) => {
      const now = this.now();
      const lease = now + this.leaseMs;
      const skipLocked = this.sql.kind === "postgresql" ? " FOR UPDATE SKIP LOCKED" : "";
      type StepRow = { id: number; runId: string; stepId: string; attempt: number; payload: string; claims: number; leaseOwner: string | null };
      type OtherRow = { id: number; runId: string; kind: string; payload: string; claims: number };
      const cols = '"id","runId","stepId","attempt","kind","payload","claims","leaseOwner"';
      // Two indexed looks each: unleased and due, or leased but expired (a dead worker's).
      const pick = async <T>(kinds: string, limit: number): Promise<T[]> => {
        if (limit <= 0) return [];
        const fresh = await q.all(
          `SELECT ${cols} FROM "Task" WHERE "kind" IN (${kinds}) AND "leaseOwner" IS NULL AND "availableAt" <= ? ORDER BY "availableAt", "id" LIMIT ?${skipLocked}`,
          [now, limit],
        );
        const expired =
          fresh.length < limit
            ? await q.all(`SELECT ${cols} FROM "Task" WHERE "leaseExpiresAt" < ? AND "kind" IN (${kinds}) ORDER BY "leaseExpiresAt" LIMIT ?${skipLocked}`, [
                now,
                limit - fresh.length,
              ])
            : [];
        return [...fresh, ...expired] as T[];
      };
      const steps = await pick<StepRow>("'step'", stepLimit);
      const others = await pick<OtherRow>(OTHER_KINDS, otherLimit);
      const ids = [...steps.map((s) => s.id), ...others.map((o) => o.id)];
      if (!ids.length) return;
      await q.run(`UPDATE "Task" SET "leaseOwner" = ?, "leaseExpiresAt" = ?, "claims" = "claims" + 1 WHERE "id" IN (${ids.map(() => "?").join(",")})`, [owner, lease, ...ids]);

      for (const row of steps) {
        let command = parse<StartStepCommand>(row.payload);
        if (Number(row.claims) > 0) {
          // Leased before by a worker that is gone (or gave it back): that attempt may have run
          // partly, so it is recorded as lost and the step runs again as a new attempt.
          const next = await this.bumpAttempt(q, row.runId, row.stepId, row.attempt, row.leaseOwner, now);
          if (next === undefined) {
            await q.run('DELETE FROM "Task" WHERE "id" = ?', [row.id]);
            continue;
          }
          command = { ...command, attempt: next, idempotencyKey: `${row.runId}:${row.stepId}:${next}` };
          await q.run('UPDATE "Task" SET "attempt" = ?, "payload" = ? WHERE "id" = ?', [next, JSON.stringify(command), row.id]);
        }
        out.steps.push({ taskId: row.id, runId: row.runId, stepId: row.stepId, attempt: command.attempt, command });
      }
      for (const row of others) {
        if (row.kind === "event") out.events.push({ taskId: row.id, runId: row.runId, event: parse<EngineEvent>(row.payload) });
        else if (row.kind === "child_run") out.childRuns.push({ taskId: row.id, runId: row.runId, command: parse(row.payload) });
        else if (row.kind === "webhook" || row.kind === "escalate") out.jobs.push({ taskId: row.id, runId: row.runId, kind: row.kind, payload: parse(row.payload), claims: Number(row.claims) });
      }
    });
    return out;
  }

  /** Marks `attempt` lost and moves the running record to attempt + 1. Undefined when the step is no longer running. */
  private async bumpAttempt(q: SqlExec, runId: string, stepId: string, attempt: number, lostBy: string | null, now: number): Promise<number | undefined> {
    const rows = await q.all<{ state: string }>('SELECT "state" FROM "StepRun" WHERE "runId" = ? AND "stepId" = ?', [runId, stepId]);
    const row = rows[0];
    if (!row) return undefined;
    const state = parse<StepState>(row.state);
    if (state.status !== "running" || state.attempt !== attempt) return undefined;
    const next: StepState = { ...state, attempt: attempt + 1, startedAt: now };
    await q.run('UPDATE "StepRun" SET "attempt" = ?, "state" = ?, "startedAt" = ? WHERE "runId" = ? AND "stepId" = ?', [next.attempt, JSON.stringify(next), now, runId, stepId]);
    await q.run(RECORD_ATTEMPT, [
      runId,
      stepId,
      attempt,
      lostBy,
      "lost",
      state.startedAt ?? now,
      now,
      "its worker lost the lease (crashed, stopped or cut off); the step runs again as a new attempt",
    ]);
    return next.attempt;
  }

  /**
   * Extends the leases of `taskIds` held by `owner`. Returns the ids no longer held (cancelled, or
   * reclaimed after this worker missed its heartbeats): their executions must stop.
   */
  async heartbeat(owner: string, taskIds: readonly number[]): Promise<number[]> {
    if (!taskIds.length) return [];
    return this.sql.tx(async (q) => {
      const list = taskIds.map(() => "?").join(",");
      await q.run(`UPDATE "Task" SET "leaseExpiresAt" = ? WHERE "leaseOwner" = ? AND "id" IN (${list})`, [this.now() + this.leaseMs, owner, ...taskIds]);
      const held = await q.all<{ id: number }>(`SELECT "id" FROM "Task" WHERE "leaseOwner" = ? AND "id" IN (${list})`, [owner, ...taskIds]);
      const keep = new Set(held.map((r) => Number(r.id)));
      return taskIds.filter((id) => !keep.has(id));
    });
  }

  /** Gives tasks back (graceful shutdown): they are due at once for another worker, as new attempts. */
  async release(owner: string, taskIds: readonly number[]): Promise<void> {
    if (!taskIds.length) return;
    await this.sql.tx((q) =>
      q.run(`UPDATE "Task" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE "leaseOwner" = ? AND "id" IN (${taskIds.map(() => "?").join(",")})`, [
        owner,
        ...taskIds,
      ]),
    );
  }

  /**
   * Starts the child run of a subworkflow step (a leased child_run task), in the parent's team: the
   * named workflow's given or latest version. An unknown workflow fails the parent's step.
   */
  async startChildRun(
    task: { taskId: number; runId: string; command: Extract<EngineCommand, { kind: "start_child_run" }> },
    owner: string,
    childRunId: string,
    claimLimit = 0,
  ): Promise<ProcessResult | undefined> {
    return this.sql.tx(async (q) => {
      const n = await q.run('DELETE FROM "Task" WHERE "id" = ? AND "leaseOwner" = ?', [task.taskId, owner]);
      if (n === 0) return undefined;
      const { command } = task;
      const parents = await q.all<{ teamId: string; startedById: string | null; approvalMode: string }>(
        'SELECT "teamId", "startedById", "approvalMode" FROM "Run" WHERE "id" = ?',
        [command.runId],
      );
      const parent = parents[0];
      if (!parent) return undefined;
      const versions = await q.all<{ id: string; workflowId: string; version: number }>(
        `SELECT v."id", v."workflowId", v."version" FROM "WorkflowVersion" v JOIN "Workflow" w ON w."id" = v."workflowId"
         WHERE w."teamId" = ? AND w."name" = ?${command.version !== undefined ? ' AND v."version" = ?' : ""} ORDER BY v."version" DESC LIMIT 1`,
        command.version !== undefined ? [parent.teamId, command.workflow, command.version] : [parent.teamId, command.workflow],
      );
      const version = versions[0];
      const failParent = (message: string) =>
        this.processInTx(
          q,
          [
            {
              runId: command.runId,
              event: { type: "subworkflow_finished", stepId: command.stepId, attempt: command.attempt, childRunId: "", status: "failed", error: { message }, at: this.now() },
            },
          ],
          owner,
          claimLimit,
        );
      if (!version) return failParent(`subworkflow "${command.workflow}"${command.version !== undefined ? ` version ${command.version}` : ""} not found in this team`);
      const plan = await this.planOf(q, version.id);
      let created: ReturnType<typeof createRun>;
      try {
        created = createRun(plan, {
          runId: childRunId,
          inputs: (command.inputs ?? {}) as Record<string, unknown>,
          startedBy: parent.startedById ?? undefined,
          approvalMode: parent.approvalMode === "auto" ? "auto" : "interactive",
          parent: { runId: command.runId, stepId: command.stepId, attempt: command.attempt },
        });
      } catch (e) {
        return failParent(e instanceof Error ? e.message : String(e));
      }
      await this.insertRun(
        q,
        {
          teamId: parent.teamId,
          workflowId: version.workflowId,
          workflowVersionId: version.id,
          version: version.version,
          startedBy: parent.startedById ?? undefined,
          approvalMode: created.run.approvalMode,
          parent: created.run.parent,
        },
        created.run,
        created.steps,
      );
      return this.processInTx(q, [{ runId: childRunId, event: { type: "run_started", at: this.now() } }], owner, claimLimit);
    });
  }

  /** The run's header, for read models and tests. */
  async getRun(runId: string): Promise<RunHeader | undefined> {
    const rows = await this.sql.read<{ header: string }>('SELECT "header" FROM "Run" WHERE "id" = ?', [runId]);
    return rows[0] ? parse<RunHeader>(rows[0].header) : undefined;
  }
}
