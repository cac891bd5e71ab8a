import { EngineError } from "../errors";
import { expressionCode, type ExpressionContext, type ExpressionError } from "../expressions/evaluate";
import type { ExpressionMeter } from "../expressions/expression-meter";
import { templateStepRefs } from "../expressions/template-step-refs";
import type { Plan, PlanNode } from "../graph/compile-plan";
import type { StepStatus } from "../status";
import { countStatusChange, zeroCounters, zeroOpenCounters, type OpenCounter } from "./run-counters";
import type { ClearableRunField, Decision, EngineCommand, EngineEvent, EngineEventType, RunCounters, RunHeader, RunPatch, RunState, StepState } from "./types";

/** What decide() does after an event's handler: settle the run (start what is ready, update its status), or nothing more. */
export type Followup = "settle" | "done";

export type EventOf<K extends EngineEventType> = Extract<EngineEvent, { type: K }>;

/** The handler of one event kind (decide.ts holds the table, one per kind). */
export type EventHandler<K extends EngineEventType> = (d: DecisionDraft, event: EventOf<K>) => Followup;

/**
 * One decision in progress. Reads go through an overlay of records changed so far, so the input
 * state is never mutated (copy-on-write per record); the overlay becomes the patch. Every record
 * change goes through put(), which also derives the counter deltas from the status change
 * (run-counters.ts): no transition edits a counter.
 *
 * The graph transitions (ready, finish, ...) are declared here and implemented by StepFlow
 * (step-flow.ts), so the event handlers, foreach.ts and decide-gate.ts call them without importing
 * step-flow.ts: the modules import downwards only.
 */
export abstract class DecisionDraft {
  readonly overlay = new Map<string, StepState>();
  readonly commands: EngineCommand[] = [];
  private readonly delta: RunCounters = zeroCounters();
  readonly runPatch: RunPatch["run"] = {};
  pendingTo: RunPatch["pendingTo"];
  /** Steps that became ready during this decision, in order; started after the store's queue. */
  readonly newlyReady: string[] = [];
  /** Records read through `RunState.stepsWithStatus` (retry): served by get() like loaded ones. */
  readonly loaded = new Map<string, StepState>();
  /** Run fields this decision removes (retry); dropped again if the decision sets them. */
  readonly cleared = new Set<ClearableRunField>();

  constructor(
    readonly plan: Plan,
    readonly state: RunState,
    readonly now: number,
    /** One budget for every expression this decision evaluates (issue 13 #6). */
    readonly meter: ExpressionMeter,
    /** The largest output a step may publish, as UTF-8 JSON (DecideOptions.outputMaxBytes). */
    readonly outputMaxBytes: number,
  ) {}

  // ---- transitions (step-flow.ts) ---------------------------------------------------------------

  /** All needs of `id` are finished and satisfied: evaluate guard and condition, then act by kind. */
  abstract ready(id: string): void;
  /** Marks a step terminal and propagates to dependents (or the foreach parent). */
  abstract finish(id: string, status: StepStatus, fields?: Partial<StepState>): void;
  /** Need `needId` of pending `depId` finished with `status`. */
  abstract needFinished(depId: string, needId: string, status: StepStatus, satisfied: boolean): void;
  /** Ends the run early (cancel, run timeout): cancels active steps, bulk-cancels pending ones. */
  abstract abortRun(status: "cancelled" | "failed", reason: string): void;

  // ---- reading ----------------------------------------------------------------------------------

  get runId(): string {
    return this.state.run.id;
  }

  get runStatus() {
    return this.runPatch.status ?? this.state.run.status;
  }

  /** The run's first failure as of this decision (a retry clears the previous one). */
  get failure(): RunHeader["failure"] {
    return this.runPatch.failure ?? (this.cleared.has("failure") ? undefined : this.state.run.failure);
  }

  /** A run counter as of this decision. */
  counter(name: keyof RunCounters): number {
    return this.state.run.counters[name] + this.delta[name];
  }

  get(id: string): StepState {
    const rec = this.overlay.get(id) ?? this.state.steps.get(id) ?? this.loaded.get(id);
    if (!rec) throw new EngineError("state_incomplete", `step record "${id}" is not loaded`, { stepId: id });
    return rec;
  }

  peek(id: string): StepState | undefined {
    return this.overlay.get(id) ?? this.state.steps.get(id) ?? this.loaded.get(id);
  }

  // ---- writing ----------------------------------------------------------------------------------

  /** The one way a record changes (or is created): its new version, and the counters its status change moves. */
  put(rec: StepState): StepState {
    const before = this.peek(rec.id);
    if (before?.status !== rec.status) countStatusChange(this.delta, before?.status, rec.status, this.plan, rec.id);
    this.overlay.set(rec.id, rec);
    return rec;
  }

  update(id: string, changes: Partial<StepState>): StepState {
    return this.put({ ...this.get(id), ...changes });
  }

  /** `rec` becomes ready; fillSlots starts it if a slot is free. */
  markReady(rec: StepState, changes: Partial<StepState> = {}): void {
    this.put({ ...rec, ...changes, status: "ready" });
    this.newlyReady.push(rec.id);
  }

  /** See zeroOpenCounters: the run holds nothing open after this point (records it never loads included). */
  zeroOpen(names: readonly OpenCounter[]): void {
    zeroOpenCounters(this.delta, this.state.run.counters, names);
  }

  // ---- expressions ------------------------------------------------------------------------------

  /** A step failure for an expression that failed at `where` (`if`, `items`, `params`). */
  expressionFailure(where: string, error: ExpressionError, template?: string): Partial<StepState> {
    const text = template !== undefined ? ` in "${template.length > 200 ? `${template.slice(0, 197)}...` : template}"` : "";
    return { error: { code: expressionCode(error), message: `${where}: ${error.message}${text}` } };
  }

  context(node: PlanNode, rec: StepState, extra: Partial<ExpressionContext> = {}): ExpressionContext {
    const steps: NonNullable<ExpressionContext["steps"]> = {};
    // Params set at a gate may read steps the definition's params did not (known steps only).
    const refs = rec.paramsOverride === undefined ? node.refs : [...new Set([...node.refs, ...templateStepRefs(rec.paramsOverride).filter((r) => this.plan.nodes.has(r))])];
    for (const ref of refs) {
      const r = this.get(ref);
      steps[ref] = { status: r.status, output: r.output ?? null, attempt: r.attempt };
    }
    return {
      inputs: this.state.run.inputs,
      variables: this.state.run.variables,
      steps,
      run: { id: this.runId, started_by: this.state.run.startedBy ?? "" },
      ...(this.state.secrets ? { secrets: this.state.secrets } : {}),
      ...(rec.parent !== undefined ? { item: rec.item ?? null, index: rec.index ?? 0 } : {}),
      attempt: rec.attempt,
      ...extra,
    };
  }

  // ---- the result -------------------------------------------------------------------------------

  result(): Decision {
    const clear = [...this.cleared].filter((field) => this.runPatch[field] === undefined);
    return {
      patch: {
        run: this.runPatch,
        ...(clear.length > 0 ? { clear } : {}),
        counters: this.delta,
        steps: [...this.overlay.values()],
        ...(this.pendingTo ? { pendingTo: this.pendingTo } : {}),
      },
      commands: this.commands,
    };
  }
}
