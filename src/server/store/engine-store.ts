/**
 * The engine's durable store: runs, step records and the task queue in SQL, driven by the pure
 * `decide()`. One call of `processEvents` is one transaction for a whole group of events (group
 * commit): for each event it checks the fence, loads only the records the event touches, decides,
 * writes the patch and turns the commands into task rows (the outbox). Crash anywhere and the
 * database still tells the truth: either the whole group is in, or none of it.
 *
 * Step work lives on the step's own record: a start_step command waits there for a worker, which
 * claims it with a lease — owner, expiry, and the attempt as fencing token. A queued step holds a
 * lease that expired when it became due, so one partial index finds new work and dead workers'
 * work alike, and a step's start and result each rewrite one row (no queue row to insert, index
 * and delete per step).
 *
 * Tasks: `event` rows are durable events due at `availableAt` (timers, retries, gate expiry,
 * auto-approval, a child run's end for its parent); `child_run` rows start a sub-workflow's run;
 * `webhook` and `escalate` rows are notification jobs.
 */
import { parseDuration } from "~/engine/duration";
import { EngineError } from "~/engine/errors";
import { ACTIVE_STEP_STATUSES, isRunPaused, isRunTerminal } from "~/engine/status";
import { compilePlan, type Plan, type PlanNode } from "~/engine/graph/compile-plan";
import type { Json } from "~/engine/json";
import { createRun, touchedSteps, type InputLimits } from "~/engine/scheduler/create-run";
import { applyRunPatch } from "~/engine/scheduler/apply-run-patch";
import { decide, RETRY_CANDIDATE_STATUSES } from "~/engine/scheduler/decide";
import { autoApproval } from "~/engine/approvals/check-decision";
import { gateStatusAfter } from "~/engine/approvals/gate-actions";
import type { ExpressionLimits } from "~/engine/expressions/expression-meter";
import { permissionsOf, ZRole } from "~/server/auth/permissions";
import type { EngineCommand, EngineEvent, RunHeader, RunState, StepState } from "~/engine/scheduler/types";
import type { WorkflowDefinition } from "~/engine/definition/schema";
import { isEngineError } from "~/server/errors";
import { newId } from "~/server/ids";
import { appendAudit } from "./audit";
import { gateAttempt, gateTarget } from "./audit-actions";
import { NeedsTransaction, StaleError, type SqlDb, type SqlExec, type SqlValue } from "./sql";
import { parseStepState } from "./step-state";
import { UnknownWorkflowVersion } from "./store-errors";

export type StartStepCommand = Extract<EngineCommand, { kind: "start_step" }>;

/** A claimed unit of work: one attempt of one step, leased to one worker. */
export interface StepTask {
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
  /**
   * What this event settles, leased to `owner`, else the event is rejected: the task row `taskId`,
   * or without it the lease of the event's step and attempt (a step's result).
   */
  fence?: { owner: string; taskId?: number };
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
  /** Steps started and leased to the caller (self-claimed), to execute now. */
  claimed: StepTask[];
  /** Steps to stop: cancel_step commands (the worker that runs one aborts it). */
  cancelled: { runId: string; stepId: string; attempt: number }[];
  /** Events refused because their fence was lost (another worker owns the step now). */
  rejected: EventInput[];
  /** True when a step or task became available to any worker (wake the others). */
  queued: boolean;
  /** Runs that ended in this transaction. */
  finished: string[];
  /** With `queued` claiming (processEvents): whether it filled every slot left (more may wait). */
  backlog?: boolean;
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
  /** The budget of one decision's expressions (EXPRESSION_BUDGET_MS, a monotonic clock). @default 50 ms of virtual time */
  expressions?: ExpressionLimits;
  /** Size limits of a run's inputs (RUN_INPUTS_MAX_BYTES, RUN_INPUT_MAX_BYTES). @default DEFAULT_INPUT_LIMITS */
  inputs?: InputLimits;
  /** Largest step output (STEP_OUTPUT_MAX_BYTES): a larger one fails its step. @default 1 MiB */
  outputMaxBytes?: number;
  /** Called at named points of a transaction (crash tests). */
  crashpoint?: (name: "before_commit" | "mid_fanout") => void;
}

/** A decision longer than this yields to the event loop before its writes (see processInTx). */
const YIELD_AFTER_MS = 10;
/** Lets the event loop serve what waits (SQLite statements run synchronously: no turn otherwise). */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Task kinds, as an SQL list. */
const TASK_KINDS = "'event','child_run','webhook','escalate'";

/** One step attempt's identity: the lease key of a running step. */
export type StepRef = Pick<StepTask, "runId" | "stepId" | "attempt">;
/** Log lines per INSERT (6 values each: well under both databases' parameter limits). */
const LOG_CHUNK = 2_000;

export const stepKey = (s: StepRef): string => `${s.runId}\u0000${s.stepId}\u0000${s.attempt}`;

/** A step's lease as written with its record: owner null while it waits in the queue. */
interface Lease {
  command: StartStepCommand;
  owner: string | null;
  expiresAt: number;
  claims: number;
}

/**
 * A condition matching step records by key, and by attempt when given: per run,
 * `"runId" = ? AND "stepId" IN (…)`, which PostgreSQL looks up in the primary key by both columns.
 * (A list of `("runId" = ? AND "stepId" = ?)` pairs let its planner, on statistics that had not yet
 * seen a new 10,000-step run, scan all of the run's records by `"runId"` alone and test each
 * against the list: 16 to 90 ms a statement.)
 */
function stepRefsWhere(refs: readonly { runId: string; stepId: string; attempt?: number }[]): { sql: string; args: SqlValue[] } {
  const byRun = new Map<string, (typeof refs)[number][]>();
  for (const r of refs) {
    const list = byRun.get(r.runId);
    if (list) list.push(r);
    else byRun.set(r.runId, [r]);
  }
  const args: SqlValue[] = [];
  const parts: string[] = [];
  for (const [runId, list] of byRun) {
    args.push(runId, ...list.map((r) => r.stepId));
    let part = `"runId" = ? AND "stepId" IN (${list.map(() => "?").join(",")})`;
    if (list.some((r) => r.attempt !== undefined)) {
      part += ` AND (${list.map(() => '("stepId" = ? AND "attempt" = ?)').join(" OR ")})`;
      for (const r of list) args.push(r.stepId, r.attempt ?? null);
    }
    parts.push(`(${part})`);
  }
  return { sql: `(${parts.join(" OR ")})`, args };
}

type RunRow = { header: string; workflowVersionId: string; status: string; teamId: string; rev: number };

/** Everything one transaction has read or changed of one run. */
interface RunCtx {
  teamId: string;
  header: RunHeader;
  plan: Plan;
  steps: Map<string, StepState>;
  /** Records that exist in the database (an update), vs. new ones (foreach instances: insert). */
  stored: Set<string>;
  /** Lease owner of each loaded record (null: none, or queued). */
  owners: Map<string, string | null>;
  headerDirty: boolean;
  /** The status column as stored (rewritten only when it changes: it is indexed). */
  storedStatus: string;
  finishedNow: boolean;
  /** The run row's revision as stored (PostgreSQL's one-statement commits write only on it). */
  rev: number;
  /** Set when the run ended in this transaction: written with its header. */
  outputs?: string;
  /** Every record of the run is in `steps`. */
  complete?: boolean;
  /**
   * A run started in this transaction and not written yet: its row and records are inserted once,
   * in the state its start left them (saveNew), with each record's ready time and lease.
   */
  unsaved?: { input: NewRun; extras: Map<string, { readyAt: number | null; lease?: Lease }> };
  /** Inserted by this transaction: its row needs no update unless the header changes again. */
  savedNow?: boolean;
}

/** What a new run's row records besides its header. */
interface NewRun {
  teamId: string;
  workflowId: string;
  workflowVersionId: string;
  version: number;
  startedBy?: string;
  approvalMode?: string;
  parent?: RunHeader["parent"];
}

type RecordRow = { state: string; leaseOwner: string | null };

/** A kept run, taken into a transaction's runs. */
function reuse(runs: Map<string, RunCtx>, runId: string, ctx: RunCtx): RunCtx {
  ctx.headerDirty = false;
  ctx.finishedNow = false;
  runs.set(runId, ctx);
  return ctx;
}

/** Adds records read from the database to what the transaction knows (those it knows stay, unless `replace`). */
function addRecords(ctx: RunCtx, rows: readonly RecordRow[], replace = false): void {
  for (const r of rows) {
    const s = parseStepState(r.state);
    if (!replace && ctx.steps.has(s.id)) continue;
    ctx.steps.set(s.id, s);
    ctx.stored.add(s.id);
    ctx.owners.set(s.id, r.leaseOwner);
  }
}

/** What the UI shows as a record's type: the step's type, or `branch` for a conditional's `if`. */
function stepType(node: PlanNode | undefined): string {
  if (!node) return "task";
  return node.kind === "branch" ? "branch" : node.step.type;
}

/** A record's type: a foreach instance is typed as its parent's template. */
function recordType(plan: Plan, step: StepState): string {
  if (!step.parent) return stepType(plan.nodes.get(step.id));
  const parent = plan.nodes.get(step.parent);
  return stepType(parent?.template ?? parent);
}

function parse<T>(text: unknown): T {
  return JSON.parse(String(text)) as T;
}

/**
 * An attempt's history row, written once when the attempt ends (succeeded, failed, timed out,
 * cancelled, or lost with its worker): one statement per step on the hot path. A running attempt
 * is the step record itself with its lease. SQLite and PostgreSQL share the upsert syntax.
 */
const RECORD_ATTEMPT =
  'INSERT INTO "StepAttempt" ("runId","stepId","attempt","worker","status","startedAt","finishedAt","error") VALUES (?,?,?,?,?,?,?,?) ON CONFLICT ("runId","stepId","attempt") DO UPDATE SET "status" = excluded."status", "finishedAt" = excluded."finishedAt", "error" = excluded."error"';

/** Runs kept between transactions, at most. */
const CACHED_RUNS = 1024;
/** PostgreSQL reads a run whole when it has at most this many records (see lockRuns, remember). */
const WHOLE_RUN = 1000;

/** A stored record's new state (writeStep): with a new lease, without one, or leaving it as it is. */
const SET_STEP = '"status" = ?, "attempt" = ?, "state" = ?, "readyAt" = COALESCE(?, CASE WHEN ? = \'ready\' THEN "readyAt" ELSE NULL END), "startedAt" = ?, "finishedAt" = ?';
const UPDATE_STEP_LEASED = `UPDATE "StepRun" SET ${SET_STEP}, "command" = ?, "leaseOwner" = ?, "leaseExpiresAt" = ?, "claims" = ? WHERE "runId" = ? AND "stepId" = ?`;
const UPDATE_STEP_UNLEASED = `UPDATE "StepRun" SET ${SET_STEP}, "command" = NULL, "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "claims" = 0 WHERE "runId" = ? AND "stepId" = ?`;
const UPDATE_STEP = `UPDATE "StepRun" SET ${SET_STEP} WHERE "runId" = ? AND "stepId" = ?`;
/** …and only while the record is still the attempt leased to the result's worker (appended). */
const FENCED = ' AND "leaseOwner" = ? AND "attempt" = ?';

export class EngineStore {
  private readonly plans = new Map<string, Plan>();
  /**
   * Runs as this store's transactions left them, so the next step of a chain needs no read of its
   * run or records. SQLite: reused while the database's epoch says nothing else has changed it
   * since, emptied whenever the epoch moved (another connection or process committed, or a
   * transaction rolled back). PostgreSQL: reused when the run's revision is the known one (read
   * under the run's lock, or expected by a one-statement commit). Least recently used first.
   */
  private readonly cache = new Map<string, RunCtx>();
  private cacheEpoch: string | undefined;
  readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    readonly sql: SqlDb,
    private readonly options: StoreOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether runs this transaction touched may be kept (see `cache`). */
  private keepsRuns(q: SqlExec): boolean {
    return q.epoch !== undefined || this.sql.kind === "postgresql";
  }

  /** Every transaction of the store: the run cache survives it only when it commits. */
  private async tx<T>(fn: (q: SqlExec) => Promise<T>): Promise<T> {
    try {
      return await this.sql.tx(async (q) => {
        // SQLite: what this store knows holds while the epoch is its own. PostgreSQL: each run's
        // revision tells (checked under the run's lock, or by a one-statement commit's expectation).
        if (q.epoch && q.epoch.now !== this.cacheEpoch) this.cache.clear();
        this.cacheEpoch = undefined;
        const out = await fn(q);
        // (A failed COMMIT moves the epoch on, so this promise is then never kept.)
        this.cacheEpoch = q.epoch?.afterCommit;
        return out;
      });
    } catch (e) {
      this.cache.clear();
      this.cacheEpoch = undefined;
      throw e;
    }
  }

  // ---- plans ------------------------------------------------------------------------------------

  private async planOf(q: SqlExec, versionId: string): Promise<Plan> {
    let plan = this.plans.get(versionId);
    if (!plan) {
      const rows = await q.all<{ definition: string }>('SELECT "definition" FROM "WorkflowVersion" WHERE "id" = ?', [versionId]);
      const row = rows[0];
      if (!row) throw new UnknownWorkflowVersion(versionId);
      plan = compilePlan(parse<WorkflowDefinition>(row.definition));
      this.plans.set(versionId, plan);
    }
    return plan;
  }

  // ---- runs -------------------------------------------------------------------------------------

  /**
   * Creates a run of a workflow version and starts it, in one transaction. Inputs are validated
   * against the workflow's inputs (EngineError "invalid_input"). `also` runs in that transaction
   * after the start (the runs service records the start in the audit log).
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
  }, also?: (q: SqlExec) => Promise<void>): Promise<ProcessResult> {
    // A run's start evaluates its first conditions (up to EXPRESSION_BUDGET_MS): give the event
    // loop a turn first, so what the request did before (parsing, auth) and the decision are two blocks.
    await yieldToLoop();
    return this.tx(async (q) => {
      const plan = await this.planOf(q, input.workflowVersionId);
      const { run, steps } = createRun(plan, {
        inputLimits: this.options.inputs,
        runId: input.runId,
        inputs: input.inputs,
        startedBy: input.startedBy,
        approvalMode: input.approvalMode ?? "interactive",
        parent: input.parent,
      });
      const result = await this.processInTx(q, [{ runId: run.id, event: { type: "run_started", at: this.now() } }], input.owner, input.claimLimit ?? 0, false, await this.newRun(q, input, run, steps));
      if (also) await also(q);
      return result;
    });
  }

  /** A new run as its start's transaction knows it: written by saveNew. */
  private async newRun(q: SqlExec, input: NewRun, run: RunHeader, steps: StepState[]): Promise<RunCtx> {
    return {
      teamId: input.teamId,
      header: run,
      plan: await this.planOf(q, input.workflowVersionId),
      steps: new Map(steps.map((s) => [s.id, s])),
      stored: new Set(),
      owners: new Map(steps.map((s) => [s.id, null])),
      headerDirty: false,
      storedStatus: run.status,
      finishedNow: false,
      rev: 0,
      complete: true,
      unsaved: { input, extras: new Map() },
    };
  }

  /**
   * Inserts a new run's row and records, as its start left them (one write per 200 records: a
   * 10,000-step run is a handful of statements; on PostgreSQL they go with the commit).
   */
  private async saveNew(q: SqlExec, ctx: RunCtx): Promise<void> {
    const { unsaved, header: run } = ctx;
    if (!unsaved) return;
    ctx.unsaved = undefined;
    const { input, extras } = unsaved;
    const now = this.now();
    await q.write(
      'INSERT INTO "Run" ("id","teamId","workflowId","workflowVersionId","workflowName","version","status","approvalMode","startedById","parentRunId","header","reason","startedAt","finishedAt","createdAt","updatedAt") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
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
        run.reason ?? null,
        run.startedAt ?? null,
        run.finishedAt ?? null,
        now,
        now,
      ],
      // (A later write of the row in this transaction then goes in a statement after this one.)
      `Run:${run.id}`,
    );
    const steps = [...ctx.steps.values()];
    const CHUNK = 200;
    for (let i = 0; i < steps.length; i += CHUNK) {
      const chunk = steps.slice(i, i + CHUNK);
      const args: SqlValue[] = [];
      for (let j = 0; j < chunk.length; j++) {
        const s = chunk[j] as StepState;
        const extra = extras.get(s.id);
        const lease = extra?.lease;
        args.push(run.id, s.id, i + j, s.status, s.attempt, recordType(ctx.plan, s), JSON.stringify(s), extra?.readyAt ?? null, s.startedAt ?? null, s.finishedAt ?? null);
        args.push(lease ? JSON.stringify(lease.command) : null, lease?.owner ?? null, lease?.expiresAt ?? null, lease?.claims ?? 0);
        ctx.stored.add(s.id);
      }
      await q.write(
        `INSERT INTO "StepRun" ("runId","stepId","seq","status","attempt","type","state","readyAt","startedAt","finishedAt","command","leaseOwner","leaseExpiresAt","claims") VALUES ${chunk.map(() => "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)").join(",")}`,
        args,
      );
    }
    ctx.headerDirty = false;
    ctx.storedStatus = run.status;
    ctx.savedNow = true;
  }

  // ---- events -----------------------------------------------------------------------------------

  /**
   * A transaction of the caller's statements and events together (the approvals service records a
   * decision with a conditional update, then feeds the gate's event, atomically).
   */
  transaction<T>(fn: (q: SqlExec, process: (inputs: readonly EventInput[]) => Promise<ProcessResult>) => Promise<T>): Promise<T> {
    return this.tx((q) => fn(q, (inputs) => this.processInTx(q, inputs, undefined, 0)));
  }

  /**
   * Applies a group of events in one transaction. On PostgreSQL, a worker's results for runs it
   * knows (its cache) commit as one statement that writes only if the runs' revisions are still
   * the known ones (one round trip); otherwise, or when that fails, as a locking transaction.
   * `owner` leases the steps the events start, up to `claimLimit`; with `queued`, what is left of
   * it also leases steps queued for any worker (a worker with a backlog: one transaction instead
   * of a commit and a claim).
   */
  async processEvents(inputs: readonly EventInput[], owner?: string, claimLimit = 0, queued = false): Promise<ProcessResult> {
    if (queued && owner !== undefined && claimLimit > 0) return this.tx((q) => this.processInTx(q, inputs, owner, claimLimit, true));
    if (this.sql.commitOnce && owner !== undefined && inputs.every((i) => i.fence?.taskId === undefined && this.cache.has(i.runId))) {
      try {
        return await this.sql.commitOnce((q) => this.processInTx(q, inputs, owner, claimLimit));
      } catch (e) {
        // What was changed in memory is dropped; the transaction below reads it again.
        for (const i of inputs) this.cache.delete(i.runId);
        if (!(e instanceof NeedsTransaction || e instanceof StaleError)) throw e;
      }
    }
    return this.tx((q) => this.processInTx(q, inputs, owner, claimLimit));
  }

  private async processInTx(q: SqlExec, inputs: readonly EventInput[], owner: string | undefined, claimLimit: number, queued = false, started?: RunCtx): Promise<ProcessResult> {
    const result: ProcessResult = { claimed: [], cancelled: [], rejected: [], queued: false, finished: [] };
    // (`started`: a run this transaction starts, not written yet.)
    const runs = new Map<string, RunCtx>(started ? [[started.header.id, started]] : []);
    const logs: LogLine[] = [];
    let budget = claimLimit;

    // Events of one run keep their order; runs are locked in id order, so two workers' groups
    // cannot deadlock on each other's runs.
    const ordered = inputs.length > 1 ? [...inputs].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0)) : inputs;
    // Step results per run: the records they touch are read together, in one statement per run.
    const results = new Map<string, string[]>();
    for (const input of ordered) {
      if (!input.fence || input.fence.taskId !== undefined || !("stepId" in input.event)) continue;
      const ids = results.get(input.runId);
      if (ids) ids.push(input.event.stepId);
      else results.set(input.runId, [input.event.stepId]);
    }
    if (this.sql.kind === "postgresql" && !q.validatedRead) await this.lockRuns(q, [...new Set(ordered.map((i) => i.runId))].filter((id) => !runs.has(id)), results, runs);
    for (const input of ordered) {
      const e = input.event;
      if (input.fence?.taskId !== undefined) {
        const n = await q.run('DELETE FROM "Task" WHERE "id" = ? AND "leaseOwner" = ?', [input.fence.taskId, input.fence.owner]);
        if (n === 0) {
          result.rejected.push(input);
          continue;
        }
      }
      const fresh = !runs.has(input.runId);
      const ctx = await this.runCtx(q, runs, input.runId);
      const stepIds = results.get(input.runId);
      // The records the run's results touch, read together (PostgreSQL's locking transactions read
      // them in lockRuns; one-statement commits check the results' leases in SQL).
      if (ctx && fresh && stepIds) await this.loadSteps(q, ctx, [...new Set(stepIds.flatMap((id) => touchedSteps(ctx.plan, id)))], true);
      if (input.fence && input.fence.taskId === undefined) {
        // A step's result: its record must still be leased to this worker for this attempt. The
        // records it touches are read (and on PostgreSQL locked against a concurrent reclaim) now.
        const step = "stepId" in e && "attempt" in e ? e : undefined;
        if (ctx && step) await this.loadSteps(q, ctx, touchedSteps(ctx.plan, step.stepId), true);
        if (!ctx || !step || ctx.owners.get(step.stepId) !== input.fence.owner || ctx.steps.get(step.stepId)?.attempt !== step.attempt) {
          // (Refused only on what was read under the run's lock.)
          if (q.validatedRead) throw new NeedsTransaction();
          result.rejected.push(input);
          continue;
        }
      }
      // (A loop, not push(...): a long log would overflow the call stack.)
      for (const l of input.logs ?? []) logs.push(l);
      if (!ctx) continue;
      const decideStart = performance.now();
      const decision = await this.decideWithLoads(q, ctx, e);
      // A decision that held the event loop (expressions run up to EXPRESSION_BUDGET_MS) lets
      // waiting requests in before the writes: SQLite statements run synchronously, so without a
      // turn here the whole transaction is one block. (The connection stays locked to this tx.)
      if (performance.now() - decideStart > YIELD_AFTER_MS) await yieldToLoop();
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
      // Started steps carry their lease in the same write as their new state: leased to the caller
      // (self-claim, up to its free slots) or queued for any worker.
      const leases = new Map<string, Lease>();
      for (const command of commands) {
        if (command.kind !== "start_step") continue;
        const self = owner !== undefined && budget > 0;
        if (self) budget--;
        leases.set(command.stepId, { command, owner: self ? (owner as string) : null, expiresAt: self ? now + this.leaseMs : now, claims: self ? 1 : 0 });
        if (self) result.claimed.push({ runId: command.runId, stepId: command.stepId, attempt: command.attempt, command });
        else result.queued = true;
      }
      // The lease owners of steps about to be cancelled, for their attempt rows.
      const cancelledOwners = new Map<string, string | null>();
      for (const command of commands) if (command.kind === "cancel_step") cancelledOwners.set(command.stepId, ctx.owners.get(command.stepId) ?? null);
      let started = 0;
      const written = new Set<string>();
      // A one-statement commit writes the result's own record only while it is still this
      // attempt's, leased to this worker (the fence, checked by the statement itself).
      const fence = q.validatedRead && input.fence && "stepId" in e && "attempt" in e ? { stepId: e.stepId, owner: input.fence.owner, attempt: e.attempt } : undefined;
      for (const step of patch.steps) {
        written.add(step.id);
        const lease = leases.get(step.id);
        await this.writeStep(q, ctx, step, now, lease, fence?.stepId === step.id ? fence : undefined);
        if (lease && ++started === 2) this.options.crashpoint?.("mid_fanout");
      }
      // A new run's rows go in now, before anything that reads them or refers to them.
      await this.saveNew(q, ctx);
      if (patch.pendingTo) await this.pendingTo(q, ctx, patch.pendingTo);

      for (const command of commands) {
        if (command.kind !== "start_step") await this.runCommand(q, ctx, command, now, cancelledOwners, result);
        else {
          const lease = leases.get(command.stepId);
          // (A start always comes with the step's new state; this covers a decision that has none.)
          if (lease && !written.has(command.stepId)) await this.writeLease(q, command.runId, command.stepId, lease);
        }
      }
      // A gate decided by auto mode or by its expiry (people's decisions are settled by the
      // approvals service in the same transaction, before the event).
      if (e.type === "gate_decided" && (await q.run('UPDATE "Approval" SET "status" = ?, "decidedAt" = ?, "decidedBy" = ?, "version" = "version" + 1 WHERE "gateId" = ? AND "status" = ?', [gateStatusAfter(e.action), now, e.by ?? null, e.gateId, "pending"])) > 0) {
        await appendAudit(q, this.sql.kind, {
          teamId: ctx.teamId,
          at: now,
          actor: e.by ?? "engine",
          action: e.action === "expire" ? "gate.expired" : "gate.decided",
          target: gateTarget(input.runId, e.stepId, gateAttempt(e.gateId)),
          before: { status: "pending" },
          after: { status: gateStatusAfter(e.action), comment: e.comment ?? null },
        });
      }
      // The attempt of a step that just finished goes into its history.
      if (e.type === "step_succeeded" || e.type === "step_failed" || e.type === "step_timed_out") {
        const error = e.type === "step_failed" ? e.error.message : e.type === "step_timed_out" ? "timed out" : null;
        const status = e.type === "step_succeeded" ? "succeeded" : e.type === "step_failed" ? "failed" : "timed_out";
        const started = startedAt ?? now;
        await q.write(RECORD_ATTEMPT, [input.runId, e.stepId, e.attempt, input.fence?.owner ?? null, status, started, now, error], `StepAttempt:${input.runId}:${e.stepId}:${e.attempt}`);
      }
    }

    // (A started run whose event was not applied is still written.)
    for (const ctx of runs.values()) await this.saveNew(q, ctx);
    await this.writeHeaders(q, runs.values());
    if (logs.length) await this.insertLogs(q, logs);
    if (queued && owner !== undefined && budget > 0) {
      const steps = await this.claimSteps(q, owner, budget, this.now(), runs);
      result.claimed.push(...steps);
      result.backlog = steps.length >= budget;
    }
    if (this.keepsRuns(q)) for (const [id, ctx] of runs) this.keep(id, ctx);
    this.options.crashpoint?.("before_commit");
    return result;
  }

  /** Writes the run rows of a transaction's runs: changed headers, and on PostgreSQL always the revision. */
  private async writeHeaders(q: SqlExec, runs: Iterable<RunCtx>): Promise<void> {
    for (const ctx of runs) {
      // PostgreSQL: every transaction that touched the run bumps its revision (other workers'
      // cached copies of it are then stale); SQLite: when the header changed.
      // (A run inserted by this transaction is new to everyone.)
      const savedNow = ctx.savedNow;
      ctx.savedNow = undefined;
      if (!ctx.headerDirty && (this.sql.kind !== "postgresql" || savedNow)) continue;
      const h = ctx.header;
      const values: SqlValue[] = [JSON.stringify(h), h.reason ?? null, h.startedAt ?? null, h.finishedAt ?? null, this.now()];
      let set = '"header" = ?, "reason" = ?, "startedAt" = ?, "finishedAt" = ?, "updatedAt" = ?, "rev" = "rev" + 1';
      if (h.status !== ctx.storedStatus) {
        set += ', "status" = ?';
        values.push(h.status);
      }
      if (ctx.outputs !== undefined) {
        set += ', "outputs" = ?';
        values.push(ctx.outputs);
      }
      await q.write(`UPDATE "Run" SET ${set} WHERE "id" = ? AND "rev" = ?`, [...values, h.id, ctx.rev], `Run:${h.id}`, { what: `run ${h.id} changed meanwhile`, lockFirst: true });
      ctx.storedStatus = h.status;
      ctx.outputs = undefined;
      ctx.rev++;
    }
  }

  /** A decision's command other than a step's start, written in the transaction. */
  private async runCommand(
    q: SqlExec,
    ctx: RunCtx,
    command: Exclude<EngineCommand, StartStepCommand>,
    now: number,
    cancelledOwners: ReadonlyMap<string, string | null>,
    result: ProcessResult,
  ): Promise<void> {
    switch (command.kind) {
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
      case "open_gate": {
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
        // Auto mode passes only the gates its starter alone could approve; the others wait for people.
        const autoCheck = ctx.header.approvalMode === "auto" ? autoApproval(command.policy, await this.starterAsDecider(q, ctx.teamId, ctx.header.startedBy)) : undefined;
        const auto = autoCheck?.ok === true;
        await appendAudit(q, this.sql.kind, {
          teamId: ctx.teamId,
          at: now,
          actor: "engine",
          action: "gate.opened",
          target: gateTarget(command.runId, command.stepId, command.attempt),
          after: { gateId: command.gateId, expiresAt: command.expiresAt ?? null, ...(autoCheck && !autoCheck.ok ? { autoMode: `not approved: ${autoCheck.reason}` } : {}) },
        });
        if (!auto) {
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
        if (auto) {
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
      }
      case "cancel_step": {
        // Ending the lease is the signal: its worker's next heartbeat finds it gone and kills it.
        await q.run('UPDATE "StepRun" SET "command" = NULL, "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE "runId" = ? AND "stepId" = ?', [command.runId, command.stepId]);
        ctx.owners.set(command.stepId, null);
        const started = ctx.steps.get(command.stepId)?.startedAt ?? now;
        await q.run(RECORD_ATTEMPT, [command.runId, command.stepId, command.attempt, cancelledOwners.get(command.stepId) ?? null, "cancelled", started, now, command.reason]);
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
        result.finished.push(command.runId);
        // Gates still open when the run ends can never be decided now.
        await q.write('UPDATE "Approval" SET "status" = ?, "decidedAt" = ?, "decidedBy" = ?, "version" = "version" + 1 WHERE "runId" = ? AND "status" = ?', [
          "cancelled",
          now,
          "run ended",
          command.runId,
          "pending",
        ]);
        ctx.outputs = JSON.stringify(command.outputs);
        ctx.headerDirty = true;
        // Timers of a finished run can never matter again.
        await q.write('DELETE FROM "Task" WHERE "runId" = ? AND "kind" = ?', [command.runId, "event"]);
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

  private async runCtx(q: SqlExec, runs: Map<string, RunCtx>, runId: string): Promise<RunCtx | undefined> {
    let ctx = runs.get(runId);
    if (ctx) return ctx;
    const cached = this.cache.get(runId);
    // SQLite (the epoch was checked) and PostgreSQL's one-statement commits (its expectations check).
    if (cached && (q.epoch || q.validatedRead)) return reuse(runs, runId, cached);
    if (q.validatedRead) throw new NeedsTransaction();
    // PostgreSQL: lock the run row, so two workers settling steps of one run take turns (SQLite's
    // BEGIN IMMEDIATE already serialises every writer).
    const rows = await q.all<RunRow>(`SELECT "header", "workflowVersionId", "status", "teamId", "rev" FROM "Run" WHERE "id" = ?${this.sql.kind === "postgresql" ? " FOR UPDATE" : ""}`, [runId]);
    const row = rows[0];
    if (!row) return undefined;
    if (cached && cached.rev === Number(row.rev)) return reuse(runs, runId, cached);
    ctx = await this.newCtx(q, row);
    runs.set(runId, ctx);
    return ctx;
  }

  /**
   * PostgreSQL's locking transaction: locks the group's runs in id order (so two workers' groups
   * cannot deadlock) and reads what their events need, one statement for all runs rather than a
   * few per run. A run kept from an earlier transaction is reused while its revision is the one
   * stored; the records the results touch are read again, locked, even then (a lease taken by a
   * claim of this process does not move the revision, and a transaction running beside that claim
   * may have kept the run as it was before). A run read afresh is read whole (when small), so its
   * next steps can commit in one statement without reading.
   */
  private async lockRuns(q: SqlExec, runIds: readonly string[], results: ReadonlyMap<string, string[]>, runs: Map<string, RunCtx>): Promise<void> {
    const fresh: RunCtx[] = [];
    for (let i = 0; i < runIds.length; i += 500) {
      const part = runIds.slice(i, i + 500);
      const rows = await q.all<RunRow & { id: string }>(
        `SELECT "id", "header", "workflowVersionId", "status", "teamId", "rev" FROM "Run" WHERE "id" IN (${part.map(() => "?").join(",")}) ORDER BY "id" FOR UPDATE`,
        part,
      );
      for (const row of rows) {
        const cached = this.cache.get(row.id);
        if (cached && cached.rev === Number(row.rev)) {
          reuse(runs, row.id, cached);
          continue;
        }
        const ctx = await this.newCtx(q, row);
        fresh.push(ctx);
        runs.set(row.id, ctx);
      }
    }
    const touched: [string, string][] = [];
    for (const [runId, stepIds] of results) {
      const ctx = runs.get(runId);
      if (ctx) for (const stepId of new Set(stepIds.flatMap((id) => touchedSteps(ctx.plan, id)))) touched.push([runId, stepId]);
    }
    for (let i = 0; i < touched.length; i += 500) {
      const where = stepRefsWhere(touched.slice(i, i + 500).map(([runId, stepId]) => ({ runId, stepId })));
      const rows = await q.all<RecordRow & { runId: string }>(`SELECT "runId", "state", "leaseOwner" FROM "StepRun" WHERE ${where.sql} FOR UPDATE`, where.args);
      for (const row of rows) addRecords(runs.get(row.runId) as RunCtx, [row], true);
    }
    await this.loadWhole(q, fresh.filter((ctx) => ctx.plan.nodes.size <= WHOLE_RUN));
  }

  /** Reads every record of `ctxs` (small runs), 100 runs a statement: each is then complete. */
  private async loadWhole(q: SqlExec, ctxs: readonly RunCtx[]): Promise<void> {
    for (let i = 0; i < ctxs.length; i += 100) {
      const part = new Map(ctxs.slice(i, i + 100).map((c) => [c.header.id, c]));
      const rows = await q.all<RecordRow & { runId: string }>(`SELECT "runId", "state", "leaseOwner" FROM "StepRun" WHERE "runId" IN (${[...part.keys()].map(() => "?").join(",")})`, [...part.keys()]);
      for (const row of rows) addRecords(part.get(row.runId) as RunCtx, [row]);
      for (const ctx of part.values()) ctx.complete = true;
    }
  }

  private async newCtx(q: SqlExec, row: RunRow): Promise<RunCtx> {
    return {
      teamId: row.teamId,
      header: parse<RunHeader>(row.header),
      plan: await this.planOf(q, row.workflowVersionId),
      steps: new Map(),
      stored: new Set(),
      owners: new Map(),
      headerDirty: false,
      storedStatus: row.status,
      finishedNow: false,
      rev: Number(row.rev),
    };
  }

  /**
   * PostgreSQL: reads runs this worker just leased steps of and does not know yet, so their
   * results can commit as one statement. The headers are read before the records: a record
   * changed in between comes with a newer revision than the one kept, which the commit then
   * refuses (it reads the run again), never the other way round.
   */
  private async remember(q: SqlExec, runIds: readonly string[]): Promise<void> {
    if (!runIds.length) return;
    const rows = await q.all<RunRow & { id: string }>(`SELECT "id", "header", "workflowVersionId", "status", "teamId", "rev" FROM "Run" WHERE "id" IN (${runIds.map(() => "?").join(",")})`, runIds);
    const whole: RunCtx[] = [];
    for (const row of rows) {
      const ctx = await this.newCtx(q, row);
      if (ctx.plan.nodes.size <= WHOLE_RUN) whole.push(ctx);
    }
    await this.loadWhole(q, whole);
    for (const ctx of whole) this.keep(ctx.header.id, ctx);
  }

  /** Keeps a run for this store's next transactions (the least recently used go first). */
  private keep(id: string, ctx: RunCtx): void {
    this.cache.delete(id);
    if (!isRunTerminal(ctx.header.status)) this.cache.set(id, ctx);
    for (const old of this.cache.keys()) {
      if (this.cache.size <= CACHED_RUNS) break;
      this.cache.delete(old);
    }
  }

  /**
   * Reads the records `ids` not read yet; `lock`: FOR UPDATE on PostgreSQL (a result's fence).
   */
  private async loadSteps(q: SqlExec, ctx: RunCtx, ids: readonly string[], lock = false): Promise<void> {
    const read = q.validatedRead ?? q.all;
    const forUpdate = lock && this.sql.kind === "postgresql" && !q.validatedRead ? " FOR UPDATE" : "";
    const missing = ids.filter((id) => !ctx.steps.has(id));
    for (let i = 0; i < missing.length; i += 500) {
      const part = missing.slice(i, i + 500);
      addRecords(ctx, await read<RecordRow>(`SELECT "state", "leaseOwner" FROM "StepRun" WHERE "runId" = ? AND "stepId" IN (${part.map(() => "?").join(",")})${forUpdate}`, [ctx.header.id, ...part]));
    }
  }

  /** The run's ready queue, in order (its own partial index: the status is written literally). */
  private async readyIds(q: SqlExec, runId: string, limit: number): Promise<string[]> {
    const rows = await (q.validatedRead ?? q.all)<{ stepId: string }>(`SELECT "stepId" FROM "StepRun" WHERE "runId" = ? AND "status" = 'ready' ORDER BY "readyAt", "seq" LIMIT ?`, [runId, limit]);
    return rows.map((r) => r.stepId);
  }

  /** The run's records in `statuses` (rare events: a scan of the run's records by primary key). */
  private async idsWithStatus(q: SqlExec, runId: string, statuses: readonly string[]): Promise<string[]> {
    const rows = await (q.validatedRead ?? q.all)<{ stepId: string }>(
      `SELECT "stepId" FROM "StepRun" WHERE "runId" = ? AND "status" IN (${statuses.map(() => "?").join(",")}) ORDER BY "seq"`,
      [runId, ...statuses],
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
    const needsReady = plan.concurrency > 0 || isRunPaused(header.status) || event.type === "run_resume_requested";
    const ready = needsReady ? await this.readyIds(q, header.id, Math.max(plan.concurrency, 1) * 4 + 64) : [];
    const cancelling =
      event.type === "run_cancel_requested" ||
      event.type === "run_timed_out" ||
      (event.type === "gate_decided" && (event.action === "cancel" || event.action === "expire"));
    const active = cancelling ? await this.idsWithStatus(q, header.id, ACTIVE_STEP_STATUSES) : undefined;
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
        return decide(plan, state, event, { expressions: this.options.expressions, outputMaxBytes: this.options.outputMaxBytes });
      } catch (err) {
        const missing = isEngineError(err) && err.code === "state_incomplete" ? (err.details as { stepId?: string } | undefined)?.stepId : undefined;
        if (missing !== undefined && !ctx.steps.has(missing) && tries < 1000) {
          await this.loadSteps(q, ctx, [missing]);
          if (ctx.steps.has(missing)) continue;
        }
        throw err;
      }
    }
  }

  /**
   * Writes a record's new state, and its lease in the same statement: the given one (a start), none
   * once the step is no longer running, else unchanged.
   */
  private async writeStep(q: SqlExec, ctx: RunCtx, step: StepState, now: number, lease?: Lease, fence?: { owner: string; attempt: number }): Promise<void> {
    const before = ctx.steps.get(step.id);
    ctx.steps.set(step.id, step);
    const readyAt = step.status === "ready" ? (before?.status === "ready" ? null : now) : null;
    if (ctx.unsaved) {
      // Written with the run by saveNew (a record still ready keeps the time it became ready).
      const extra = ctx.unsaved.extras.get(step.id);
      ctx.unsaved.extras.set(step.id, { readyAt: readyAt ?? (step.status === "ready" ? (extra?.readyAt ?? null) : null), lease });
    } else if (ctx.stored.has(step.id)) {
      const base = [step.status, step.attempt, JSON.stringify(step), readyAt, step.status, step.startedAt ?? null, step.finishedAt ?? null];
      const row = `StepRun:${ctx.header.id}:${step.id}`;
      const key = fence ? [ctx.header.id, step.id, fence.owner, fence.attempt] : [ctx.header.id, step.id];
      const where = fence ? FENCED : "";
      const expect = fence ? { what: `step ${step.id} of run ${ctx.header.id} is no longer attempt ${fence.attempt} of ${fence.owner}` } : undefined;
      // Both lease-writing forms set every column from their own values (unless a step still ready
      // keeps its stored readyAt): an unfenced one takes the place of a waiting write of the row.
      const replaces = !fence && (step.status !== "ready" || readyAt !== null);
      if (lease) {
        await q.write(UPDATE_STEP_LEASED + where, [...base, JSON.stringify(lease.command), lease.owner, lease.expiresAt, lease.claims, ...key], row, expect, replaces);
      } else if (step.status !== "running") {
        await q.write(UPDATE_STEP_UNLEASED + where, [...base, ...key], row, expect, replaces);
      } else {
        await q.write(UPDATE_STEP + where, [...base, ...key], row, expect);
      }
    } else {
      await q.run(
        'INSERT INTO "StepRun" ("runId","stepId","seq","status","attempt","type","state","readyAt","startedAt","finishedAt","command","leaseOwner","leaseExpiresAt","claims") VALUES (?,?,(SELECT COALESCE(MAX("seq"),0)+1 FROM "StepRun" WHERE "runId" = ?),?,?,?,?,?,?,?,?,?,?,?)',
        [
          ctx.header.id,
          step.id,
          ctx.header.id,
          step.status,
          step.attempt,
          recordType(ctx.plan, step),
          JSON.stringify(step),
          readyAt,
          step.startedAt ?? null,
          step.finishedAt ?? null,
          lease ? JSON.stringify(lease.command) : null,
          lease?.owner ?? null,
          lease?.expiresAt ?? null,
          lease?.claims ?? 0,
        ],
      );
      ctx.stored.add(step.id);
    }
    if (lease) ctx.owners.set(step.id, lease.owner);
    else if (step.status !== "running") ctx.owners.set(step.id, null);
  }

  private async writeLease(q: SqlExec, runId: string, stepId: string, lease: Lease): Promise<void> {
    await q.run('UPDATE "StepRun" SET "command" = ?, "leaseOwner" = ?, "leaseExpiresAt" = ?, "claims" = ? WHERE "runId" = ? AND "stepId" = ?', [
      JSON.stringify(lease.command),
      lease.owner,
      lease.expiresAt,
      lease.claims,
      runId,
      stepId,
    ]);
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
    t: { runId: string; stepId?: string; attempt?: number; kind: "event" | "child_run" | "webhook" | "escalate"; payload: unknown; availableAt: number },
  ): Promise<void> {
    await q.write('INSERT INTO "Task" ("runId","stepId","attempt","kind","payload","availableAt") VALUES (?,?,?,?,?,?)', [
      t.runId,
      t.stepId ?? null,
      t.attempt ?? null,
      t.kind,
      JSON.stringify(t.payload),
      t.availableAt,
    ]);
  }

  /** Queues one webhook delivery per enabled endpoint of the team. Returns whether any was queued. */
  private async notify(q: SqlExec, teamId: string, event: GateNotification, now: number): Promise<boolean> {
    const endpoints = await q.all<{ id: string }>('SELECT "id" FROM "WebhookEndpoint" WHERE "teamId" = ? AND "enabled" = TRUE', [teamId]);
    for (const e of endpoints) {
      await this.insertTask(q, { runId: event.runId, stepId: event.stepId, kind: "webhook", payload: { endpointId: e.id, teamId, notification: event }, availableAt: now });
    }
    return endpoints.length > 0;
  }

  /** The run's starter as a gate policy sees them now (roles and permissions in the team), or null. */
  private async starterAsDecider(q: SqlExec, teamId: string, userId: string | undefined): Promise<Parameters<typeof autoApproval>[1]> {
    if (!userId) return null;
    const rows = await q.all<{ role: string; email: string; disabled: unknown }>(
      'SELECT m."role", u."email", u."disabled" FROM "Membership" m JOIN "User" u ON u."id" = m."userId" WHERE m."userId" = ? AND m."teamId" = ?',
      [userId, teamId],
    );
    const first = rows[0];
    if (!first || first.disabled === true || first.disabled === 1 || first.disabled === 1n) return null;
    const roles = rows.map((r) => ZRole.safeParse(r.role)).flatMap((r) => (r.success ? [r.data] : []));
    const perms = permissionsOf(roles);
    return { userId, email: first.email, roles, may: { decide: perms.has("approval.decide"), control: perms.has("run.control"), author: perms.has("workflow.write") } };
  }

  /**
   * A gate's escalation is due (a leased `escalate` job): when the gate is still pending, it is
   * recorded in the audit log and the team's webhooks are told which roles it goes to.
   */
  async escalate(job: JobTask, owner: string): Promise<boolean> {
    const p = job.payload as { gateId: string; roles: string[]; workflow: string };
    return this.tx(async (q) => {
      if ((await q.run('DELETE FROM "Task" WHERE "id" = ? AND "leaseOwner" = ?', [job.taskId, owner])) === 0) return false;
      const rows = await q.all<{ teamId: string; stepId: string; status: string }>('SELECT "teamId", "stepId", "status" FROM "Approval" WHERE "gateId" = ?', [p.gateId]);
      const gate = rows[0];
      if (!gate || gate.status !== "pending") return false;
      const now = this.now();
      await appendAudit(q, this.sql.kind, { teamId: gate.teamId, at: now, actor: "engine", action: "gate.escalated", target: gateTarget(job.runId, gate.stepId, gateAttempt(p.gateId)), after: { roles: p.roles } });
      return this.notify(q, gate.teamId, { event: "gate.escalated", gateId: p.gateId, runId: job.runId, stepId: gate.stepId, workflow: p.workflow, expiresAt: null, escalatedTo: p.roles }, now);
    });
  }

  /** A webhook job ended: delivered or given up (removed), or due again at `retryAt`. Fenced by the lease. */
  async settleJob(job: JobTask, owner: string, retryAt?: number): Promise<void> {
    await this.tx((q) =>
      retryAt === undefined
        ? q.run('DELETE FROM "Task" WHERE "id" = ? AND "leaseOwner" = ?', [job.taskId, owner])
        : q.run('UPDATE "Task" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "availableAt" = ? WHERE "id" = ? AND "leaseOwner" = ?', [retryAt, job.taskId, owner]),
    );
  }

  private insertEvent(q: SqlExec, runId: string, at: number, event: EngineEvent): Promise<void> {
    return this.insertTask(q, { runId, stepId: "stepId" in event ? event.stepId : undefined, kind: "event", payload: event, availableAt: at });
  }

  /**
   * Stores lines in the order given (their ids are the order readers page by). Each chunk is one
   * multi-row INSERT. On PostgreSQL, writes waiting together (SqlExec.write) become one statement
   * whose parts run in no set order: so a chunk waits with the others only when it is the whole
   * log (a step's last lines travel with its result that way, in one round trip); several chunks
   * run one after the other.
   */
  private async insertLogs(q: SqlExec, lines: LogLine[], inOrder = false): Promise<void> {
    const several = inOrder || lines.length > LOG_CHUNK;
    for (let i = 0; i < lines.length; i += LOG_CHUNK) {
      const part = lines.slice(i, i + LOG_CHUNK);
      const args: SqlValue[] = [];
      for (const l of part) args.push(l.runId, l.stepId, l.attempt, l.stream, l.text, l.at);
      const sql = `INSERT INTO "StepLog" ("runId","stepId","attempt","stream","text","at") VALUES ${part.map(() => "(?,?,?,?,?,?)").join(",")}`;
      if (several) await q.run(sql, args);
      else await q.write(sql, args);
    }
  }

  /** Stores log lines on their own (a running step's output between its start and end). */
  appendLogs(lines: LogLine[]): Promise<void> {
    return this.tx((q) => this.insertLogs(q, lines, true));
  }

  // ---- claims, leases -----------------------------------------------------------------------------

  /**
   * Leases due work to `owner`: up to `stepLimit` queued steps and up to `otherLimit` tasks. A step
   * whose lease was held before (its worker died, was cut off, or gave it back) runs again as a new
   * attempt: its record's attempt is bumped, so a late result of the old attempt is refused by the
   * fence and by decide.
   */
  async claim(owner: string, stepLimit: number, otherLimit = 100): Promise<ClaimResult> {
    const out: ClaimResult = { steps: [], jobs: [], events: [], childRuns: [] };
    if (stepLimit <= 0 && otherLimit <= 0) return out;
    // Most polls find nothing: look first without taking the write lock.
    const look = this.now();
    const looks = [
      ...(stepLimit > 0 ? ['SELECT 1 AS "x" FROM "StepRun" WHERE "leaseExpiresAt" <= ?'] : []),
      ...(otherLimit > 0 ? [`SELECT 1 AS "x" FROM "Task" WHERE "kind" IN (${TASK_KINDS}) AND "leaseOwner" IS NULL AND "availableAt" <= ?`, 'SELECT 1 AS "x" FROM "Task" WHERE "leaseExpiresAt" < ?'] : []),
    ];
    const any = await this.sql.read(`${looks.join(" UNION ALL ")} LIMIT 1`, looks.map(() => look));
    if (!any.length) return out;
    await this.tx(async (q) => {
      const now = this.now();
      const lease = now + this.leaseMs;
      const skipLocked = this.sql.kind === "postgresql" ? " FOR UPDATE SKIP LOCKED" : "";
      if (stepLimit > 0) out.steps = await this.claimSteps(q, owner, stepLimit, now);

      if (otherLimit <= 0) return;
      type TaskRow = { id: number; runId: string; kind: string; payload: string; claims: number };
      const cols = '"id","runId","kind","payload","claims"';
      // Two indexed looks: unleased and due, or leased but expired (a dead worker's).
      const due = await q.all<TaskRow>(
        `SELECT ${cols} FROM "Task" WHERE "kind" IN (${TASK_KINDS}) AND "leaseOwner" IS NULL AND "availableAt" <= ? ORDER BY "availableAt", "id" LIMIT ?${skipLocked}`,
        [now, otherLimit],
      );
      const expired =
        due.length < otherLimit
          ? await q.all<TaskRow>(`SELECT ${cols} FROM "Task" WHERE "leaseExpiresAt" < ? ORDER BY "leaseExpiresAt" LIMIT ?${skipLocked}`, [now, otherLimit - due.length])
          : [];
      const tasks = [...due, ...expired];
      if (!tasks.length) return;
      await q.run(`UPDATE "Task" SET "leaseOwner" = ?, "leaseExpiresAt" = ?, "claims" = "claims" + 1 WHERE "id" IN (${tasks.map(() => "?").join(",")})`, [
        owner,
        lease,
        ...tasks.map((t) => t.id),
      ]);
      for (const row of tasks) {
        if (row.kind === "event") out.events.push({ taskId: row.id, runId: row.runId, event: parse<EngineEvent>(row.payload) });
        else if (row.kind === "child_run") out.childRuns.push({ taskId: row.id, runId: row.runId, command: parse(row.payload) });
        else if (row.kind === "webhook" || row.kind === "escalate") out.jobs.push({ taskId: row.id, runId: row.runId, kind: row.kind, payload: parse(row.payload), claims: Number(row.claims) });
      }
    });
    return out;
  }

  /**
   * Leases up to `limit` steps queued for any worker, and dead workers' steps (a queued step's
   * lease expired when it became due: one indexed look). A reclaimed step runs again as a new,
   * recorded attempt. `runs`: the contexts of the calling transaction, kept up to date with it.
   */
  private async claimSteps(q: SqlExec, owner: string, limit: number, now: number, runs?: Map<string, RunCtx>): Promise<StepTask[]> {
    const claimed: StepTask[] = [];
    const lease = now + this.leaseMs;
    const skipLocked = this.sql.kind === "postgresql" ? " FOR UPDATE SKIP LOCKED" : "";
    type StepRow = { runId: string; stepId: string; attempt: number; command: string; claims: number; leaseOwner: string | null; state: string };
    const steps = await q.all<StepRow>(
      `SELECT "runId","stepId","attempt","command","claims","leaseOwner","state" FROM "StepRun" WHERE "leaseExpiresAt" <= ? ORDER BY "leaseExpiresAt" LIMIT ?${skipLocked}`,
      [now, limit],
    );
    const fresh: StepRow[] = [];
    for (const row of steps) {
      const state = parseStepState(row.state);
      if (state.status !== "running" || state.attempt !== Number(row.attempt) || row.command === null) {
        this.cache.delete(row.runId);
        runs?.delete(row.runId);
        await q.run('UPDATE "StepRun" SET "command" = NULL, "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE "runId" = ? AND "stepId" = ?', [row.runId, row.stepId]);
        continue;
      }
      let command = parse<StartStepCommand>(row.command);
      if (Number(row.claims) > 0) {
        // Leased before by a worker that is gone (or gave it back): that attempt may have run
        // partly, so it is recorded as lost and the step runs again as a new attempt.
        if (this.sql.kind === "postgresql") {
          // The run's revision moves with it (workers' cached copies are stale now); a run
          // locked by a commit is left for the next look (waiting here could deadlock with it).
          if (!(await q.all('SELECT 1 AS "x" FROM "Run" WHERE "id" = ? FOR UPDATE SKIP LOCKED', [row.runId])).length) continue;
          await q.run('UPDATE "Run" SET "rev" = "rev" + 1 WHERE "id" = ?', [row.runId]);
        }
        const attempt = state.attempt + 1;
        this.cache.delete(row.runId);
        runs?.delete(row.runId);
        command = { ...command, attempt, idempotencyKey: `${row.runId}:${row.stepId}:${attempt}` };
        const next: StepState = { ...state, attempt, startedAt: now };
        await q.run(
          'UPDATE "StepRun" SET "attempt" = ?, "state" = ?, "startedAt" = ?, "command" = ?, "leaseOwner" = ?, "leaseExpiresAt" = ?, "claims" = "claims" + 1 WHERE "runId" = ? AND "stepId" = ?',
          [attempt, JSON.stringify(next), now, JSON.stringify(command), owner, lease, row.runId, row.stepId],
        );
        await q.run(RECORD_ATTEMPT, [
          row.runId,
          row.stepId,
          state.attempt,
          row.leaseOwner,
          "lost",
          state.startedAt ?? now,
          now,
          "its worker lost the lease (crashed, stopped or cut off); the step runs again as a new attempt",
        ]);
      } else {
        fresh.push(row);
        (runs?.get(row.runId) ?? this.cache.get(row.runId))?.owners.set(row.stepId, owner);
      }
      claimed.push({ runId: row.runId, stepId: row.stepId, attempt: command.attempt, command });
    }
    for (let i = 0; i < fresh.length; i += 200) {
      const part = fresh.slice(i, i + 200);
      const where = stepRefsWhere(part.map((r) => ({ runId: r.runId, stepId: r.stepId, attempt: Number(r.attempt) })));
      await q.run(`UPDATE "StepRun" SET "leaseOwner" = ?, "leaseExpiresAt" = ?, "claims" = "claims" + 1 WHERE ${where.sql}`, [owner, lease, ...where.args]);
    }
    if (this.sql.kind === "postgresql") await this.remember(q, [...new Set(fresh.map((r) => r.runId))].filter((id) => !this.cache.has(id) && !runs?.has(id)));
    return claimed;
  }

  /**
   * Extends the leases of `steps` held by `owner`. Returns those no longer held (cancelled, or
   * reclaimed after this worker missed its heartbeats): their executions must stop.
   */
  async heartbeat(owner: string, steps: readonly StepRef[]): Promise<StepRef[]> {
    if (!steps.length) return [];
    return this.tx(async (q) => {
      const held = new Set<string>();
      for (let i = 0; i < steps.length; i += 200) {
        const where = stepRefsWhere(steps.slice(i, i + 200));
        await q.run(`UPDATE "StepRun" SET "leaseExpiresAt" = ? WHERE "leaseOwner" = ? AND ${where.sql}`, [this.now() + this.leaseMs, owner, ...where.args]);
        const rows = await q.all<StepRef>(`SELECT "runId", "stepId", "attempt" FROM "StepRun" WHERE "leaseOwner" = ? AND ${where.sql}`, [owner, ...where.args]);
        for (const r of rows) held.add(stepKey({ runId: r.runId, stepId: r.stepId, attempt: Number(r.attempt) }));
      }
      return steps.filter((s) => !held.has(stepKey(s)));
    });
  }

  /** Distinct lease owners starting with `prefix` (a host's workers), of steps and task rows. */
  async leaseOwners(prefix: string): Promise<string[]> {
    // Only held leases: queued steps have no owner, finished ones no lease.
    const rows = await this.sql.read<{ owner: string }>(
      `SELECT DISTINCT "leaseOwner" AS "owner" FROM "StepRun" WHERE "leaseExpiresAt" IS NOT NULL AND substr("leaseOwner", 1, ?) = ?
       UNION SELECT DISTINCT "leaseOwner" AS "owner" FROM "Task" WHERE "leaseOwner" IS NOT NULL AND substr("leaseOwner", 1, ?) = ?`,
      [prefix.length, prefix, prefix.length, prefix],
    );
    return rows.map((r) => r.owner);
  }

  /**
   * Ends the leases of `owners` now (workers known dead): their steps are due at once and run again
   * as new attempts (the lost attempt is recorded with its owner), their task rows are claimable.
   * Fencing is unchanged: a write of such an owner, were it alive after all, is refused.
   */
  async expireLeases(owners: readonly string[]): Promise<void> {
    if (!owners.length) return;
    const now = this.now();
    const marks = owners.map(() => "?").join(",");
    await this.tx(async (q) => {
      await q.run(`UPDATE "StepRun" SET "leaseExpiresAt" = ? WHERE "leaseOwner" IN (${marks})`, [now, ...owners]);
      await q.run(`UPDATE "Task" SET "leaseExpiresAt" = ? WHERE "leaseOwner" IN (${marks})`, [now - 1, ...owners]);
    });
    this.cache.clear();
  }

  /** Gives steps back (graceful shutdown): they are due at once for another worker, as new attempts. */
  async release(owner: string, steps: readonly StepRef[]): Promise<void> {
    if (!steps.length) return;
    await this.tx(async (q) => {
      for (const s of steps) this.cache.delete(s.runId);
      for (let i = 0; i < steps.length; i += 200) {
        const where = stepRefsWhere(steps.slice(i, i + 200));
        await q.run(`UPDATE "StepRun" SET "leaseOwner" = NULL, "leaseExpiresAt" = ? WHERE "leaseOwner" = ? AND ${where.sql}`, [this.now(), owner, ...where.args]);
      }
    });
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
    return this.tx(async (q) => {
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
          inputLimits: this.options.inputs,
          runId: childRunId,
          inputs: (command.inputs ?? {}) as Record<string, unknown>,
          startedBy: parent.startedById ?? undefined,
          approvalMode: parent.approvalMode === "auto" ? "auto" : "interactive",
          parent: { runId: command.runId, stepId: command.stepId, attempt: command.attempt },
        });
      } catch (e) {
        return failParent(e instanceof Error ? e.message : String(e));
      }
      const child = await this.newRun(
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
      return this.processInTx(q, [{ runId: childRunId, event: { type: "run_started", at: this.now() } }], owner, claimLimit, false, child);
    });
  }

  /** The run's header, for read models and tests. */
  async getRun(runId: string): Promise<RunHeader | undefined> {
    const rows = await this.sql.read<{ header: string }>('SELECT "header" FROM "Run" WHERE "id" = ?', [runId]);
    return rows[0] ? parse<RunHeader>(rows[0].header) : undefined;
  }
}
