/**
 * A worker: claims due tasks with a lease, runs step attempts through the executors, heartbeats
 * while they run, and settles their results through the store in group commits (all results that
 * arrived while the previous commit ran go into the next transaction). Results carry a fence (the
 * lease owner of the step's attempt, or of the task row): a worker whose lease was lost cannot write.
 *
 * Embedded in `npm start` (src/instrumentation.ts) or standalone (`npm run worker`), on the same
 * database; several workers share the work through the leases on step records and task rows.
 */
import { randomUUID } from "node:crypto";
import type { Executors, Logger } from "~/engine/ports";
import type { EngineEvent } from "~/engine/scheduler/types";
import { stepKey, type ClaimResult, type EngineStore, type EventInput, type JobTask, type LogLine, type ProcessResult, type StepTask } from "~/server/store/engine-store";
import { StepLogBuffer } from "./step-log-buffer";
import { deadLocalOwners, localOwnerPrefix, workerOwner } from "./worker-owner";

export type Crashpoint = "after_claim" | "before_commit" | "after_commit" | "mid_fanout";

export interface WorkerOptions {
  store: EngineStore;
  executors: Executors;
  /** Steps run at once. @default 8 */
  concurrency?: number;
  /** Poll for work from other processes this often. @default 100 */
  pollMs?: number;
  /** Extend leases this often. @default leaseMs / 3 */
  heartbeatMs?: number;
  /** Flush running steps' log lines this often. @default 250 */
  logFlushMs?: number;
  /** Log bytes one attempt may store (env STEP_LOG_MAX_BYTES); the rest is counted in a marker line. @default 10485760 */
  logMaxBytes?: number;
  /** Lines of one attempt waiting to be written at which its process is paused. @default 10000 */
  logHighWater?: number;
  logger?: Logger;
  /** @default host:pid:random */
  owner?: string;
  /**
   * At start, end the leases of this host's workers whose processes are gone (owner `host:pid:…`),
   * so their steps run again at once. @default true
   */
  recoverLocal?: boolean;
  /** Test-only crash injection (SIGKILL at a named point). */
  crashAt?: (point: Crashpoint) => void;
  /** Called after every commit that queued work other workers may take (e.g. NOTIFY). */
  onQueued?: () => void;
  /** Carries out a leased notification job (webhook delivery, escalation). @default jobs stay queued */
  onJob?: (job: JobTask, owner: string) => Promise<void>;
}

interface Running {
  task: StepTask;
  controller: AbortController;
  timeout?: ReturnType<typeof setTimeout>;
  logs: StepLogBuffer;
  done: Promise<void>;
}

/** Lines per log transaction: large enough that one statement's overhead is shared by many lines. */
const LOG_BATCH = 5_000;

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class Worker {
  readonly owner: string;
  private readonly store: EngineStore;
  private readonly executors: Executors;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly heartbeatMs: number;
  private readonly logFlushMs: number;
  private readonly logger: Logger;
  /** Running attempts by stepKey(). */
  private readonly running = new Map<string, Running>();
  private pending: EventInput[] = [];
  /** Events of the commit under way. */
  private committing = 0;
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private logTimer: ReturnType<typeof setInterval> | undefined;
  /** The log write under way: one at a time, so lines are stored in the order they were printed. */
  private logWrite: Promise<void> | undefined;
  private logWriteAgain = false;
  /** The batch being written (a finished attempt's last lines wait for it, to stay in order). */
  private logBatch: Promise<void> | undefined;
  private ticking = false;
  private tickAgain = false;
  /**
   * Steps may be waiting for a slot (the last claim filled every free one or found none free, or a
   * commit queued steps): the next commit also claims from the queue (see processEvents).
   */
  private backlog = false;
  private stopping = false;
  private stopped = false;
  private lastHeartbeatOk = Date.now();
  /** Steps finished by this worker (for tests and metrics). */
  stepsRun = 0;

  constructor(private readonly options: WorkerOptions) {
    this.store = options.store;
    this.executors = options.executors;
    this.concurrency = options.concurrency ?? 8;
    this.pollMs = options.pollMs ?? 100;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(200, Math.floor(this.store.leaseMs / 3));
    this.logFlushMs = options.logFlushMs ?? 250;
    this.logger = options.logger ?? noopLogger;
    this.owner = options.owner ?? workerOwner();
  }

  start(): this {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.logTimer = setInterval(() => void this.flushLogs(), this.logFlushMs);
    if (this.options.recoverLocal ?? true) {
      void this.recoverLocal().finally(() => this.wake());
    } else {
      this.wake();
    }
    return this;
  }

  /**
   * Takes over at once what dead workers of this host held (a kill -9 or crash of `npm start` or a
   * `npm run worker`): their leases end now instead of after WORKER_LEASE_MS.
   */
  private async recoverLocal(): Promise<void> {
    try {
      const dead = deadLocalOwners(await this.store.leaseOwners(localOwnerPrefix()));
      if (!dead.length) return;
      await this.store.expireLeases(dead);
      this.logger.info("took over the leases of dead workers on this host", { owners: dead });
    } catch (e) {
      this.logger.warn("could not check for dead workers on this host; their leases expire as usual", { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Look for work now (a run was started or an event queued in this process). */
  wake(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // (Not a 0 ms timeout: Node makes that 1 ms, a whole step's time here.)
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      void this.tick();
    });
  }

  /**
   * Steps this worker may take on now. A step counts until its result is committed: a worker whose
   * commits fall behind claims less, rather than piling up results that make its commits slower.
   */
  private freeSlots(): number {
    return Math.max(0, this.concurrency - this.running.size - this.pending.length - this.committing);
  }

  get activeSteps(): number {
    return this.running.size;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), this.pollMs);
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.tickAgain = false;
        if (this.stopping) break;
        const free = this.freeSlots();
        const claim = await this.store.claim(this.owner, free, 50);
        if (claim.steps.length) this.options.crashAt?.("after_claim");
        await this.handleClaim(claim);
        // Keep claiming while there was a full batch.
        // (No slot free: whatever waits is claimed by the next commit, see afterCommit.)
        this.backlog = free === 0 || claim.steps.length >= free;
        if (free > 0 && this.backlog) this.tickAgain = true;
        if (claim.events.length >= 50 || claim.childRuns.length >= 50) this.tickAgain = true;
      } while (this.tickAgain && !this.stopping);
    } catch (e) {
      this.logger.error("worker tick failed", { error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.ticking = false;
      this.schedule();
    }
  }

  private async handleClaim(claim: ClaimResult): Promise<void> {
    for (const t of claim.steps) this.execute(t);
    for (const e of claim.events) this.enqueue({ runId: e.runId, event: e.event, fence: { taskId: e.taskId, owner: this.owner } });
    for (const j of claim.jobs) {
      // Notifications never hold up steps: each runs on its own and settles its own task.
      void this.options.onJob?.(j, this.owner).catch((e: unknown) => this.logger.warn("notification job failed", { error: e instanceof Error ? e.message : String(e) }));
    }
    for (const c of claim.childRuns) {
      const result = await this.store.startChildRun(c, this.owner, randomUUID(), this.freeSlots());
      if (result) this.afterCommit(result);
    }
  }

  /** Queues an event for the next group commit. */
  enqueue(input: EventInput): void {
    this.pending.push(input);
    if (!this.flushing) this.flushing = this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        // Let results of the other running steps that arrive in this turn join the commit (with
        // none running, nothing can join: commit at once).
        if (this.running.size) await new Promise((r) => setImmediate(r));
        const batch = this.pending;
        this.pending = [];
        const limit = this.freeSlots();
        this.committing = batch.length;
        let result: ProcessResult;
        try {
          result = await this.store.processEvents(batch, this.owner, limit, this.backlog);
        } catch (e) {
          this.committing = 0;
          this.logger.error("commit failed; events will be retried", { error: e instanceof Error ? e.message : String(e), events: batch.length });
          // The tasks behind fenced events are still leased to us: retry them after a pause.
          await new Promise((r) => setTimeout(r, 200));
          this.pending.unshift(...batch);
          if (this.stopped) return;
          continue;
        }
        this.options.crashAt?.("after_commit");
        this.committing = 0;
        this.afterCommit(result);
      }
    } finally {
      this.flushing = undefined;
      if (this.pending.length) this.flushing = this.flush();
    }
  }

  private afterCommit(result: ProcessResult): void {
    for (const r of result.rejected) {
      this.logger.warn("result refused: the lease of this attempt was lost", { runId: r.runId, event: r.event.type });
    }
    for (const c of result.cancelled) {
      for (const run of this.running.values()) {
        if (run.task.runId === c.runId && run.task.stepId === c.stepId) run.controller.abort("cancelled");
      }
    }
    for (const t of result.claimed) this.execute(t);
    if (result.backlog !== undefined) this.backlog = result.backlog;
    if (result.queued) {
      // Steps this commit started beyond its free slots wait for any worker: this one too.
      this.backlog = true;
      this.options.onQueued?.();
    }
    // Work queued for anyone, or waiting since the last claim: the slots this commit freed claim it
    // now rather than at the next poll.
    if (result.queued || this.backlog) this.wake();
  }

  private execute(task: StepTask): void {
    const controller = new AbortController();
    const entry: Running = {
      task,
      controller,
      logs: new StepLogBuffer({
        step: { runId: task.runId, stepId: task.stepId, attempt: task.attempt },
        maxBytes: this.options.logMaxBytes,
        highWater: this.options.logHighWater,
        onHighWater: () => void this.flushLogs(),
      }),
      done: Promise.resolve(),
    };
    const key = stepKey(task);
    this.running.set(key, entry);
    const { command } = task;
    if (command.timeoutMs !== undefined) {
      entry.timeout = setTimeout(() => controller.abort("timeout"), command.timeoutMs);
    }
    const executor = this.executors[command.stepType];
    entry.done = (async () => {
      const result = executor
        ? await executor
            .execute({
              runId: task.runId,
              stepId: task.stepId,
              attempt: task.attempt,
              stepType: command.stepType,
              params: command.params,
              idempotencyKey: command.idempotencyKey,
              redact: command.redact,
              ...(command.commandValues ? { commandValues: command.commandValues } : {}),
              ...(command.resources ? { resources: command.resources } : {}),
              signal: controller.signal,
            })
            .catch((e: unknown) => ({ ok: false as const, error: { code: "executor_error", message: e instanceof Error ? e.message : String(e) } }))
        : { ok: false as const, error: { code: "no_executor", message: `no executor for step type "${command.stepType}" on this worker` } };
      if (entry.timeout) clearTimeout(entry.timeout);
      this.running.delete(key);
      this.stepsRun++;
      const reason = controller.signal.aborted ? controller.signal.reason : undefined;
      // Lines of this attempt being written now are stored before the rest (it left `running`, so
      // no later batch takes any of its lines).
      if (this.logBatch) await this.logBatch.catch(() => undefined);
      const lastLines = entry.logs.finish();
      // Cancelled, or the lease is gone: someone else owns what happens next (the lines are still this attempt's).
      if (reason === "cancelled" || reason === "lease lost" || reason === "shutdown") {
        if (lastLines.length) {
          await this.store.appendLogs(lastLines).catch((e: unknown) => this.logger.warn("log write failed", { error: e instanceof Error ? e.message : String(e), lines: lastLines.length }));
        }
        return;
      }
      const at = Date.now();
      const event: EngineEvent =
        reason === "timeout"
          ? { type: "step_timed_out", stepId: task.stepId, attempt: task.attempt, at }
          : result.ok
            ? { type: "step_succeeded", stepId: task.stepId, attempt: task.attempt, output: result.output, at }
            : { type: "step_failed", stepId: task.stepId, attempt: task.attempt, error: result.error, at };
      // No poll here: the commit of this result claims the next steps itself (self-claim), and
      // work queued for anyone wakes the workers (afterCommit).
      this.enqueue({ runId: task.runId, event, fence: { owner: this.owner }, logs: lastLines });
    })();
  }

  /**
   * Routes an executor's log line to its running attempt (written in batches, at the latest with
   * its result). A returned promise asks the executor to pause the process's output until the
   * attempt's queue has been written down (back-pressure, see StepLogBuffer).
   */
  log(line: LogLine): Promise<void> | undefined {
    return this.running.get(stepKey(line))?.logs.push(line);
  }

  /** Writes queued log lines now; resolves when nothing queued before the call is left unwritten. */
  private flushLogs(): Promise<void> {
    if (this.logWrite) {
      this.logWriteAgain = true;
      return this.logWrite;
    }
    this.logWrite = (async () => {
      try {
        do {
          this.logWriteAgain = false;
          await this.writeLogBatches();
        } while (this.logWriteAgain);
      } catch (e) {
        this.logger.error("log flush failed", { error: e instanceof Error ? e.message : String(e) });
      } finally {
        this.logWrite = undefined;
      }
    })();
    return this.logWrite;
  }

  /** Batches of lines of all running attempts, each batch in one transaction, until all are written. */
  private async writeLogBatches(): Promise<void> {
    for (;;) {
      const taken: Array<{ entry: Running; lines: LogLine[] }> = [];
      let room = LOG_BATCH;
      for (const entry of this.running.values()) {
        if (room === 0) break;
        if (!entry.logs.pending) continue;
        const lines = entry.logs.take(room);
        room -= lines.length;
        taken.push({ entry, lines });
      }
      if (!taken.length) return;
      try {
        this.logBatch = this.store.appendLogs(taken.length === 1 ? taken[0]!.lines : taken.flatMap((t) => t.lines));
        await this.logBatch;
      } catch (e) {
        // Kept, not lost: written by the next flush or with the step's result.
        for (const t of taken) t.entry.logs.giveBack(t.lines);
        this.logger.warn("log write failed; the lines are kept and written again", { error: e instanceof Error ? e.message : String(e) });
        return;
      } finally {
        this.logBatch = undefined;
      }
    }
  }

  private async heartbeat(): Promise<void> {
    const steps = [...this.running.values()].map((r) => r.task);
    if (!steps.length) {
      this.lastHeartbeatOk = Date.now();
      return;
    }
    try {
      const lost = await this.store.heartbeat(this.owner, steps);
      this.lastHeartbeatOk = Date.now();
      for (const ref of lost) {
        const r = this.running.get(stepKey(ref));
        if (!r) continue;
        // Cancelled (the lease was ended) or reclaimed by another worker: stop the process.
        this.logger.warn("lease lost: stopping the step", { runId: r.task.runId, stepId: r.task.stepId, attempt: r.task.attempt });
        r.controller.abort("lease lost");
      }
    } catch (e) {
      this.logger.error("heartbeat failed", { error: e instanceof Error ? e.message : String(e) });
      // Without the database for a whole lease another worker may take these steps over:
      // stop their processes rather than run on beside a second copy.
      if (Date.now() - this.lastHeartbeatOk > this.store.leaseMs) {
        for (const r of this.running.values()) r.controller.abort("lease lost");
      }
    }
  }

  /**
   * Graceful stop: claim nothing new, let running steps finish within `graceMs`, then abort and
   * release the rest (they run again elsewhere as new attempts), and commit what finished.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    const deadline = Date.now() + graceMs;
    while (this.running.size && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.running.values()].map((r) => r.done)), new Promise((r) => setTimeout(r, 50))]);
    }
    const rest = [...this.running.values()];
    for (const r of rest) r.controller.abort("shutdown");
    await Promise.all(rest.map((r) => r.done));
    while (this.flushing) await this.flushing;
    await this.store.release(this.owner, rest.map((r) => r.task)).catch(() => undefined);
    await this.flushLogs();
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.logTimer) clearInterval(this.logTimer);
  }
}
