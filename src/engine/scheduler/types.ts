import type { DecisionAction } from "../approvals/gate-actions";
import type { ApprovalPolicy, LeafStepType } from "../definition/schema";
import type { Json } from "../json";
import type { ResourceLimits } from "../resources";
import type { GateStatus, RunStatus, StepStatus } from "../status";

/** What an executor reports when a step fails. */
export interface StepError {
  message: string;
  code?: string;
  exit_code?: number;
}

/** An approval gate attached to a step record (one per attempt). */
export interface GateState {
  id: string;
  status: GateStatus;
  openedAt: number;
  decidedAt?: number;
  decidedBy?: string;
  comment?: string;
}

/**
 * The persisted record of one step of a run (one row in a database). Records are immutable values:
 * decide() never mutates one, it returns new versions in the patch.
 */
export interface StepState {
  id: string;
  status: StepStatus;
  /** 0 until the first start; each start (retry, gate retry) increments it. */
  attempt: number;
  /** Needs not finished yet. Readiness is `unsatisfied === 0`, kept O(1) per finished need. */
  unsatisfied: number;
  /** A need finished without satisfying (failed, cancelled): the step will be skipped. */
  blockedBy?: string;
  /** wait_for: any: needs that finished without success. */
  closedNeeds?: number;
  output?: Json;
  error?: StepError;
  /** Why the step ended as it did (skipped, cancelled, failed): shown to people. */
  reason?: string;
  /** Params replacing the definition's, from a gate `retry` with new params. */
  paramsOverride?: Json;
  gate?: GateState;
  startedAt?: number;
  finishedAt?: number;
  /** foreach: the evaluated items and progress. */
  items?: Json[];
  nextItem?: number;
  activeChildren?: number;
  failedChild?: string;
  /** foreach instance `id[i]`: its parent, item and index. */
  parent?: string;
  item?: Json;
  index?: number;
}

/** Run-wide counters, so finishing a step never needs to scan the run. */
export interface RunCounters {
  /** Steps not in a terminal status. The run ends when it reaches 0. */
  remaining: number;
  /** Steps running and holding a concurrency slot. */
  running: number;
  /** Failed steps without continue_on_failure. */
  failed: number;
  /** Open gates. */
  waitingApproval: number;
}

export interface RunHeader {
  id: string;
  workflow: string;
  status: RunStatus;
  startedBy?: string;
  /** interactive: gates wait for people; auto: gates approve themselves (recorded as such). */
  approvalMode?: "interactive" | "auto";
  /** Set on a child run started by a subworkflow step. */
  parent?: { runId: string; stepId: string; attempt: number };
  inputs: Record<string, Json>;
  variables: Record<string, Json>;
  counters: RunCounters;
  /** First failure, quoted in the run's reason. */
  failure?: { stepId: string; message: string };
  reason?: string;
  startedAt?: number;
  finishedAt?: number;
}

/** Read access to step records. A Map satisfies it; a database store can load lazily or in bulk. */
export interface StepLookup {
  get(id: string): StepState | undefined;
}

/**
 * The part of a run decide() works on. It does not need every step: only the records named by
 * `requiredSteps()` (the event's step, its dependents, their refs). A missing record makes decide
 * throw EngineError("state_incomplete") naming it, so a lazy store can load it and call again.
 */
export interface RunState {
  run: RunHeader;
  steps: StepLookup;
  /** Ids in status `ready`, oldest first (the store's index), at most `limit`. */
  readySteps(limit: number): readonly string[];
  /** Ids in an active status (ready, running, waiting_approval, waiting_retry): used by cancel. */
  activeSteps(): readonly string[];
  /**
   * Every record of the run (plan nodes and foreach instances) whose status is one of `statuses`,
   * in any order. Used only by `run_retry_requested` (an operator action, not the hot path): it
   * touches the failed region of a run, which is not O(dependents). A database store implements it
   * with one indexed query, `SELECT * FROM step WHERE runId = ? AND status IN (...)` (an index on
   * `(runId, status)`). decide() reads the returned records as loaded (it does not ask `steps` for
   * them again); records they need (their needs, a foreach parent) still go through `steps.get`.
   * Optional so existing stores keep compiling: without it, a retry throws EngineError("internal").
   */
  stepsWithStatus?(statuses: readonly StepStatus[]): readonly StepState[];
  /** Secret values by name, for rendering `secrets.X`. Never stored in the patch. */
  secrets?: Record<string, string>;
}

/** A decision of a person (gate-actions.ts) or the gate's expiry. */
export type GateAction = DecisionAction | "expire";

/** Everything that can happen to a run. `at` is the clock's time: decide never reads a clock. */
export type EngineEvent =
  | { type: "run_started"; at: number }
  | { type: "step_succeeded"; stepId: string; attempt: number; output: Json; at: number }
  | { type: "step_failed"; stepId: string; attempt: number; error: StepError; at: number }
  | { type: "step_timed_out"; stepId: string; attempt: number; at: number }
  | { type: "retry_timer_fired"; stepId: string; attempt: number; at: number }
  | {
      type: "gate_decided";
      stepId: string;
      gateId: string;
      action: GateAction;
      /**
       * modify: the new output (absent: the output stays). approve of a standalone approval step
       * with a form: the form's values, already checked (absent: the form's defaults).
       */
      payload?: Json;
      /** retry: new params for the next attempt. */
      params?: Json;
      /**
       * modify: new params for steps that depend directly on the gated one (step id -> params,
       * already checked against each step type's params schema); they replace the definition's
       * params when those steps start.
       */
      nextParams?: Record<string, Json>;
      by?: string;
      comment?: string;
      at: number;
    }
  | { type: "run_cancel_requested"; by?: string; reason?: string; at: number }
  | { type: "run_pause_requested"; by?: string; at: number }
  | { type: "run_resume_requested"; by?: string; at: number }
  /**
   * Operator retry of a finished `failed` or `cancelled` run from where it stopped: failed and
   * cancelled records, and records skipped because of them (`blockedBy`), go back to pending;
   * succeeded ones keep their outputs. On any other run status it is ignored (empty decision).
   */
  | { type: "run_retry_requested"; by?: string; at: number }
  | { type: "wait_timer_fired"; stepId: string; attempt: number; at: number }
  | {
      type: "subworkflow_finished";
      stepId: string;
      attempt: number;
      childRunId: string;
      status: "succeeded" | "failed" | "cancelled";
      output?: Json;
      error?: StepError;
      at: number;
    }
  | { type: "run_timed_out"; at: number };

export type EngineEventType = EngineEvent["type"];

/** Side effects decide() asks for. The worker stores them with the patch (outbox), then runs them. */
export type EngineCommand =
  | {
      kind: "start_step";
      runId: string;
      stepId: string;
      attempt: number;
      stepType: LeafStepType;
      params: Json;
      timeoutMs: number | undefined;
      /** Limits of a step that runs processes (absent: the executor's defaults). */
      resources?: ResourceLimits;
      /** `run:step:attempt`: executors use it to make side effects idempotent. */
      idempotencyKey: string;
      /** Secret values present in params: redact them from logs and outputs. */
      redact: string[];
      /**
       * A shell step's `params.command` values: the command references them as `WF_VALUE_<k>`
       * and never contains them (see expressions/rewrite-shell-command.ts).
       */
      commandValues?: string[];
    }
  | { kind: "schedule_retry"; runId: string; stepId: string; attempt: number; at: number; delayMs: number }
  | {
      kind: "open_gate";
      runId: string;
      stepId: string;
      gateId: string;
      attempt: number;
      policy: ApprovalPolicy;
      output: Json | undefined;
      expiresAt: number | undefined;
    }
  | { kind: "schedule_timer"; runId: string; stepId: string; attempt: number; timer: "wait" | "run_timeout"; at: number }
  | { kind: "cancel_step"; runId: string; stepId: string; attempt: number; reason: string }
  | {
      kind: "start_child_run";
      runId: string;
      stepId: string;
      attempt: number;
      workflow: string;
      version: number | undefined;
      inputs: Json;
    }
  | { kind: "finish_run"; runId: string; status: "succeeded" | "failed" | "cancelled"; reason: string; outputs: Record<string, Json> };

export type EngineCommandKind = EngineCommand["kind"];

/** Run header fields a patch can remove (see `RunPatch.clear`). */
export type ClearableRunField = "reason" | "failure" | "finishedAt";

/**
 * What decide() changes: new versions of the touched step records, counter deltas and run fields.
 * Applying it is O(changed records), so a database can do it in one transaction.
 */
export interface RunPatch {
  run: Partial<Pick<RunHeader, "status" | "reason" | "failure" | "startedAt" | "finishedAt">>;
  /**
   * Run fields to remove (a database sets them to NULL), applied before `run`. Set only by a run
   * retry (`reason`, `failure`, `finishedAt` of the previous end); absent otherwise. A field is
   * never both cleared and set in the same patch.
   */
  clear?: readonly ClearableRunField[];
  /** Added to the run's counters. */
  counters: RunCounters;
  /**
   * Changed or created step records (full new versions). A field absent or `undefined` in the new
   * version is cleared (NULL in a database): a run retry clears `error`, `output`, `reason`...
   */
  steps: StepState[];
  /** Set when the run ended early (cancel): every record still `pending` becomes this status. */
  pendingTo?: "cancelled";
}

export interface Decision {
  patch: RunPatch;
  commands: EngineCommand[];
}
