import type { LeafStepType } from "./definition/schema";
import type { Plan } from "./graph/compile-plan";
import type { ExpressionLimits } from "./expressions/expression-meter";
import type { Json } from "./json";
import type { ResourceLimits } from "./resources";
import type { EngineCommand, RunHeader, RunPatch, RunState, StepError, StepState } from "./scheduler/types";

/**
 * Every side effect of the engine comes through one of these ports (CONVENTIONS.md #2).
 * The engine never reads a clock, a random source, the network or the disk by itself.
 */

/** Persistence of runs. The in-memory one is in `testing/`; the Prisma one lives in src/server/store. */
export interface RunStore {
  /** Stores a new run and its initial step records. */
  createRun(run: RunHeader, steps: readonly StepState[]): Promise<void>;
  /**
   * The state decide() needs for an event. `touched` names the records it will read (the event's
   * step, its dependents, their references); a store may load only those. If decide then throws
   * EngineError("state_incomplete"), the engine asks again with the missing id added.
   *
   * For `run_retry_requested` (touched is empty) the state must also offer
   * `RunState.stepsWithStatus`: every record of the run in the given statuses, in any order. A
   * database implements it with one indexed query (`WHERE runId = ? AND status IN (...)`, index on
   * `(runId, status)`); it may run the query lazily, only when decide() calls it. Without it a
   * retry throws EngineError("internal"). Applying a retry patch: `RunPatch.clear` names run fields
   * to set to NULL, and step fields missing/undefined in a new record version are set to NULL.
   */
  loadState(runId: string, touched: readonly string[]): Promise<RunState>;
  /** Applies a patch and records its commands (outbox) atomically. */
  apply(runId: string, patch: RunPatch, commands: readonly EngineCommand[]): Promise<void>;
  getRun(runId: string): Promise<RunHeader | undefined>;
  /** All step records of a run, in creation order (for read models, not for decide). */
  listSteps(runId: string): Promise<StepState[]>;
}

/** Opaque handle of a timer. */
export type TimerHandle = { readonly id: number };

/** Time. Real: Date.now + setTimeout; tests: a fake clock advanced by hand. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fire` at (or after) `at`. Durable timers are the store's job; this one is in-process. */
  setTimer(at: number, fire: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** What an executor receives: one attempt of one step. */
export interface StepExecution {
  runId: string;
  stepId: string;
  attempt: number;
  stepType: LeafStepType;
  /** Params with templates rendered. */
  params: Json;
  /** `run:step:attempt`: make side effects idempotent with it. */
  idempotencyKey: string;
  /** Secret values present in params: redact them from logs and outputs. */
  redact: readonly string[];
  /**
   * Values of a shell step's `params.command` templates: the command (already rewritten) reads
   * value k from the variable `WF_VALUE_<k>`, which the executor sets. Absent: no templates.
   */
  commandValues?: readonly string[];
  /** Resource limits the step asks for (`resources`, `defaults.resources`); absent: the executor's. */
  resources?: ResourceLimits;
  /** Aborted on cancel or timeout; a shell executor kills the process tree. */
  signal: AbortSignal;
}

export type ExecutionResult = { ok: true; output: Json } | { ok: false; error: StepError };

export interface Executor {
  execute(execution: StepExecution): Promise<ExecutionResult>;
}

/** Executors by step type. A missing type fails its steps with a clear error. */
export type Executors = Partial<Record<LeafStepType, Executor>>;

/** Identifier source. @default crypto.randomUUID in production; a counter in tests. */
export interface Ids {
  runId(): string;
}

/** Structured logging. @default a no-op logger */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Finds the plan of a sub-workflow by name (and version). @default none: subworkflow steps fail */
export type WorkflowResolver = (name: string, version: number | undefined) => Promise<Plan | undefined>;

export interface EnginePorts {
  store: RunStore;
  clock: Clock;
  executors: Executors;
  ids: Ids;
  /** @default a no-op logger */
  logger?: Logger;
  /** @default undefined: subworkflow steps fail with "no workflow resolver" */
  resolveWorkflow?: WorkflowResolver;
  /** Budget of one decision's expressions and the monotonic clock it reads. @default 50 ms of virtual time */
  expressions?: ExpressionLimits;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
