import type { LeafStepType } from "../definition/schema";
import { gateStatusAfter } from "../approvals/gate-actions";
import { formDefaults } from "../approvals/validate-form";
import { parseDuration } from "../duration";
import { EngineError, assertNever } from "../errors";
import { evaluate, evaluateCondition, expressionCode, type ExpressionContext, type ExpressionError } from "../expressions/evaluate";
import { ExpressionMeter, type ExpressionLimits } from "../expressions/expression-meter";
import { renderValue } from "../expressions/render-template";
import { renderStepParams, type StepParamsRender } from "../expressions/render-step-params";
import { templateStepRefs } from "../expressions/template-step-refs";
import { planNodeOf, type Plan, type PlanNode } from "../graph/compile-plan";
import type { Json, JsonObject } from "../json";
import { jsonBytes } from "../json-size";
import { retryDelay } from "../retry/backoff";
import { canPauseRun, canResumeRun, canRetryRun, isActive, isRunActive, isRunTerminal, isSatisfied, isTerminal, type StepStatus } from "../status";
import type { ClearableRunField, Decision, EngineCommand, EngineEvent, RunCounters, RunHeader, RunPatch, RunState, StepError, StepState } from "./types";

/** Statuses a run retry reads (`RunState.stepsWithStatus`): the failed region of a finished run. */
export const RETRY_CANDIDATE_STATUSES: readonly StepStatus[] = ["failed", "cancelled", "skipped"];

/**
 * One decision in progress. Reads go through an overlay of records changed so far, so the input
 * state is never mutated (copy-on-write per record); the overlay becomes the patch.
 */
class Decider {
  readonly overlay = new Map<string, StepState>();
  readonly commands: EngineCommand[] = [];
  readonly delta: RunCounters = { remaining: 0, running: 0, failed: 0, waitingApproval: 0 };
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
  ) {}

  /** A step failure for an expression that failed at `where` (`if`, `items`, `params`). */
  expressionFailure(where: string, error: ExpressionError, template?: string): Partial<StepState> {
    const text = template !== undefined ? ` in "${template.length > 200 ? `${template.slice(0, 197)}...` : template}"` : "";
    return { error: { code: expressionCode(error), message: `${where}: ${error.message}${text}` } };
  }

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

  put(rec: StepState): StepState {
    this.overlay.set(rec.id, rec);
    return rec;
  }

  update(id: string, changes: Partial<StepState>): StepState {
    return this.put({ ...this.get(id), ...changes });
  }

  // ---- expression context -------------------------------------------------------------------

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

  // ---- transitions ----------------------------------------------------------------------------

  /** All needs of `id` are finished and satisfied: evaluate guard and condition, then act by kind. */
  ready(id: string): void {
    const node = planNodeOf(this.plan, id);
    const rec = this.get(id);
    if (rec.status !== "pending") return;
    if (node.guard) {
      const branch = this.get(node.guard.branch);
      const chosen = typeof branch.output === "object" && branch.output !== null && !Array.isArray(branch.output) ? branch.output["branch"] : undefined;
      if (chosen !== node.guard.when) {
        this.finish(id, "skipped", { reason: "branch not taken" });
        return;
      }
    }
    if (node.condition !== undefined && node.kind !== "branch") {
      const result = evaluateCondition(node.condition, this.context(node, rec), this.meter);
      if (!result.ok) {
        this.finish(id, "failed", this.expressionFailure("if", result.error));
        return;
      }
      if (!result.value) {
        this.finish(id, "skipped", { reason: `condition is false: ${node.condition}` });
        return;
      }
    }
    switch (node.kind) {
      case "join":
        this.completeJoin(node);
        return;
      case "branch": {
        const result = evaluateCondition(node.condition ?? "true", this.context(node, rec), this.meter);
        if (!result.ok) this.finish(id, "failed", this.expressionFailure("if", result.error));
        else this.finish(id, "succeeded", { output: { branch: result.value } });
        return;
      }
      case "approval":
        this.openGate(id, node, { ...rec, attempt: rec.attempt + 1, startedAt: this.now });
        return;
      case "foreach":
        this.startForeach(id, node, rec);
        return;
      case "task":
      case "wait":
      case "subworkflow":
        this.put({ ...rec, status: "ready" });
        this.newlyReady.push(id);
        return;
      default:
        assertNever(node.kind, "node kind");
    }
  }

  /** A join (parallel/conditional) is done: its output maps child step ids to their outputs. */
  private completeJoin(node: PlanNode): void {
    const output: { [key: string]: Json } = {};
    for (const need of node.needs) {
      const child = this.get(need);
      const childNode = planNodeOf(this.plan, need);
      if (childNode.kind !== "branch") output[childNode.stepId] = child.output ?? null;
    }
    this.finish(node.id, "succeeded", { output });
    if (node.needsMode === "any") {
      for (const need of node.needs) this.cancelStep(need, `another branch of "${node.stepId}" succeeded first`);
    }
  }

  private cancelStep(id: string, reason: string): void {
    const rec = this.get(id);
    if (isTerminal(rec.status)) return;
    if (rec.status === "running") {
      this.commands.push({ kind: "cancel_step", runId: this.runId, stepId: id, attempt: rec.attempt, reason });
    }
    this.finish(id, "cancelled", { reason });
  }

  openGate(id: string, node: PlanNode, rec: StepState): void {
    const policy = node.approval;
    if (!policy) throw new EngineError("internal", `step "${id}" has no gate policy`);
    const gateId = `${this.runId}:${id}:${rec.attempt}`;
    const expiresAt = policy.timeout !== undefined ? this.now + parseDuration(policy.timeout) : undefined;
    this.put({ ...rec, status: "waiting_approval", gate: { id: gateId, status: "pending", openedAt: this.now } });
    this.delta.waitingApproval++;
    this.commands.push({ kind: "open_gate", runId: this.runId, stepId: id, gateId, attempt: rec.attempt, policy, output: rec.output, expiresAt });
  }

  private startForeach(id: string, node: PlanNode, rec: StepState): void {
    if (node.step.type !== "foreach") throw new EngineError("internal", `step "${id}" is not a foreach`);
    const result = evaluate(node.step.items, this.context(node, rec), this.meter);
    if (!result.ok || !Array.isArray(result.value)) {
      const error: ExpressionError = result.ok ? { code: "type", message: `items must be a list, got ${JSON.stringify(result.value)}` } : result.error;
      this.finish(id, "failed", this.expressionFailure("items", error));
      return;
    }
    this.put({ ...rec, status: "running", attempt: rec.attempt + 1, startedAt: this.now, items: result.value, nextItem: 0, activeChildren: 0 });
    if (result.value.length === 0) {
      this.finish(id, "succeeded", { output: [] });
      return;
    }
    this.launchInstances(id, node);
  }

  /** Creates and readies foreach instances up to the foreach's concurrency. */
  private launchInstances(id: string, node: PlanNode): void {
    if (node.step.type !== "foreach") return;
    const limit = node.step.concurrency;
    let parent = this.get(id);
    const items = parent.items ?? [];
    while ((parent.activeChildren ?? 0) < limit && (parent.nextItem ?? 0) < items.length && parent.failedChild === undefined) {
      const index = parent.nextItem ?? 0;
      const childId = `${id}[${index}]`;
      parent = this.put({ ...parent, nextItem: index + 1, activeChildren: (parent.activeChildren ?? 0) + 1 });
      this.put({ id: childId, status: "pending", attempt: 0, unsatisfied: 0, parent: id, item: items[index] ?? null, index });
      this.delta.remaining++;
      this.ready(childId);
    }
  }

  /** Hands a ready step to its executor (or timer / child run). Assumes a free slot was checked. */
  start(id: string, paramsOverride?: Json): void {
    const node = planNodeOf(this.plan, id);
    const prev = this.get(id);
    const rec = this.put({ ...prev, status: "running", attempt: prev.attempt + 1, startedAt: prev.startedAt ?? this.now, ...(paramsOverride !== undefined ? { paramsOverride } : {}) });
    if (node.occupiesSlot) this.delta.running++;
    const step = node.step;
    const source = rec.paramsOverride ?? ("params" in step ? (step.params as Json | undefined) : undefined) ?? {};
    // Params without templates (and without a gate override) are used as they are: the plan's
    // objects are shared, never mutated, and rendering them would only cost allocations.
    const rendered: StepParamsRender =
      !node.templated && rec.paramsOverride === undefined ? { ok: true, value: source, secrets: [] } : renderStepParams(step.type as LeafStepType, source, this.context(node, rec), this.meter);
    if (!rendered.ok) {
      this.finish(id, "failed", { error: { code: rendered.code, message: rendered.message } });
      return;
    }
    const params = rendered.value;
    switch (node.kind) {
      case "task":
        this.commands.push({
          kind: "start_step",
          runId: this.runId,
          stepId: id,
          attempt: rec.attempt,
          stepType: step.type as LeafStepType,
          params,
          timeoutMs: node.timeoutMs,
          ...(node.resources ? { resources: node.resources } : {}),
          idempotencyKey: `${this.runId}:${id}:${rec.attempt}`,
          redact: rendered.secrets,
          ...(rendered.commandValues ? { commandValues: rendered.commandValues } : {}),
        });
        return;
      case "wait": {
        const p = (params ?? {}) as { duration?: string; until?: string };
        const at = p.duration !== undefined ? this.now + parseDuration(p.duration) : Date.parse(p.until ?? "");
        if (Number.isNaN(at)) {
          this.finish(id, "failed", { error: { code: "invalid_params", message: `wait: "until" is not a timestamp: ${JSON.stringify(p.until)}` } });
          return;
        }
        this.commands.push({ kind: "schedule_timer", runId: this.runId, stepId: id, attempt: rec.attempt, timer: "wait", at });
        return;
      }
      case "subworkflow": {
        const p = (params ?? {}) as { workflow?: string; version?: number; inputs?: Json };
        this.commands.push({
          kind: "start_child_run",
          runId: this.runId,
          stepId: id,
          attempt: rec.attempt,
          workflow: p.workflow ?? "",
          version: p.version,
          inputs: p.inputs ?? {},
        });
        return;
      }
      default:
        throw new EngineError("internal", `step "${id}" of kind ${node.kind} cannot be started`);
    }
  }

  /** Marks a step terminal, updates counters, and propagates to dependents (or the foreach parent). */
  finish(id: string, status: StepStatus, fields: Partial<StepState> = {}): void {
    const prev = this.get(id);
    if (isTerminal(prev.status)) return;
    const node = planNodeOf(this.plan, id);
    if (prev.status === "running" && node.occupiesSlot) this.delta.running--;
    if (prev.status === "waiting_approval") this.delta.waitingApproval--;
    this.put({ ...prev, ...fields, status, finishedAt: this.now });
    this.delta.remaining--;
    if (status === "failed" && !node.continueOnFailure) {
      this.delta.failed++;
      if (!this.failure) {
        const rec = this.get(id);
        this.runPatch.failure = { stepId: id, message: rec.error?.message ?? rec.reason ?? "failed" };
      }
    }
    const after = this.get(id);
    if (after.parent !== undefined) {
      this.childFinished(after);
      return;
    }
    // A step skipped because its own upstream failed passes that on: only a deliberate skip (a false
    // `if`, an untaken branch, a gate's skip) satisfies its dependents.
    const satisfied = isSatisfied(status, node.continueOnFailure) && !(status === "skipped" && after.blockedBy !== undefined);
    for (const depId of node.dependents) this.needFinished(depId, id, status, satisfied);
  }

  needFinished(depId: string, needId: string, status: StepStatus, satisfied: boolean): void {
    const dep = this.get(depId);
    if (dep.status !== "pending") return;
    const depNode = planNodeOf(this.plan, depId);
    if (depNode.needsMode === "any") {
      if (status === "succeeded" || (status === "failed" && satisfied)) {
        this.put({ ...dep, unsatisfied: 0 });
        this.ready(depId);
        return;
      }
      const closed = (dep.closedNeeds ?? 0) + 1;
      const next = this.put({ ...dep, closedNeeds: closed, unsatisfied: dep.unsatisfied - 1, ...(!satisfied ? { blockedBy: dep.blockedBy ?? needId } : {}) });
      if (closed >= depNode.needs.length) {
        if (next.blockedBy !== undefined) this.finish(depId, "failed", { error: { message: `no branch of "${depNode.stepId}" succeeded` } });
        else this.finish(depId, "skipped", { reason: "every branch was skipped" });
      }
      return;
    }
    const next = this.put({
      ...dep,
      unsatisfied: dep.unsatisfied - 1,
      ...(!satisfied && dep.blockedBy === undefined ? { blockedBy: needId } : {}),
    });
    if (next.unsatisfied > 0) return;
    if (next.blockedBy !== undefined) {
      const blocker = this.get(next.blockedBy);
      // Name the root cause: a blocked skip carries its own upstream's reason.
      const reason = blocker.status === "skipped" && blocker.blockedBy !== undefined && blocker.reason ? blocker.reason : `upstream "${next.blockedBy}" ${blocker.status}`;
      this.finish(depId, "skipped", { reason });
    } else this.ready(depId);
  }

  /** A foreach instance ended: launch the next one or finish the foreach. */
  private childFinished(child: StepState): void {
    const parentId = child.parent as string;
    const parentNode = planNodeOf(this.plan, parentId);
    const parent = this.get(parentId);
    if (isTerminal(parent.status)) return;
    const failed = child.status === "failed" && !(parentNode.template?.continueOnFailure ?? false);
    this.put({
      ...parent,
      activeChildren: (parent.activeChildren ?? 1) - 1,
      ...(failed && parent.failedChild === undefined ? { failedChild: child.id } : {}),
    });
    this.continueForeach(parentId, parentNode);
  }

  /** Launches more instances of a running foreach, or finishes it when none is left. */
  continueForeach(parentId: string, parentNode: PlanNode): void {
    this.launchInstances(parentId, parentNode);
    const parent = this.get(parentId);
    const items = parent.items ?? [];
    const done = (parent.activeChildren ?? 0) === 0 && (parent.failedChild !== undefined || (parent.nextItem ?? 0) >= items.length);
    if (!done) return;
    if (parent.failedChild !== undefined) {
      const failedRec = this.get(parent.failedChild);
      this.finish(parentId, "failed", { error: { message: `item ${parent.failedChild} failed: ${failedRec.error?.message ?? "failed"}` } });
      return;
    }
    const output: Json[] = [];
    for (let i = 0; i < (parent.nextItem ?? 0); i++) output.push(this.get(`${parentId}[${i}]`).output ?? null);
    this.finish(parentId, "succeeded", { output });
  }

  /** A running step failed (or timed out): retry per policy, or fail. */
  stepFailed(id: string, error: StepError): void {
    const node = planNodeOf(this.plan, id);
    const rec = this.get(id);
    const policy = node.retry;
    if (policy && rec.attempt <= policy.max) {
      let retry = true;
      if (policy.retryIf !== undefined) {
        const r = evaluateCondition(policy.retryIf, this.context(node, rec, { error: { ...error }, attempt: rec.attempt }), this.meter);
        retry = r.ok && r.value;
      }
      if (retry) {
        const delayMs = retryDelay(policy, rec.attempt, `${this.runId}:${id}:${rec.attempt}`);
        if (node.occupiesSlot) this.delta.running--;
        this.put({ ...rec, status: "waiting_retry", error });
        this.commands.push({ kind: "schedule_retry", runId: this.runId, stepId: id, attempt: rec.attempt + 1, at: this.now + delayMs, delayMs });
        return;
      }
    }
    this.finish(id, "failed", { error });
  }

  /** Ends the run early (cancel, run timeout): cancels active steps, bulk-cancels pending ones. */
  abortRun(status: "cancelled" | "failed", reason: string): void {
    const active = new Set(this.state.activeSteps());
    for (const [id, rec] of this.overlay) if (isActive(rec.status)) active.add(id);
    for (const id of active) {
      const rec = this.get(id);
      if (!isActive(rec.status)) continue;
      if (rec.status === "running") this.commands.push({ kind: "cancel_step", runId: this.runId, stepId: id, attempt: rec.attempt, reason });
      this.put({ ...rec, status: "cancelled", reason, finishedAt: this.now });
    }
    for (const rec of this.overlay.values()) {
      if (rec.status === "pending") this.put({ ...rec, status: "cancelled", reason, finishedAt: this.now });
    }
    this.pendingTo = "cancelled";
    this.delta.remaining = -this.state.run.counters.remaining;
    this.delta.running = -this.state.run.counters.running;
    this.delta.waitingApproval = -this.state.run.counters.waitingApproval;
    this.endRun(status, reason);
  }

  endRun(status: "succeeded" | "failed" | "cancelled", reason: string): void {
    this.runPatch.status = status;
    this.runPatch.reason = reason;
    this.runPatch.finishedAt = this.now;
    this.commands.push({ kind: "finish_run", runId: this.runId, status, reason, outputs: status === "succeeded" ? this.runOutputs() : {} });
  }

  private runOutputs(): Record<string, Json> {
    const outputs: Record<string, Json> = {};
    const defs = this.plan.definition.outputs ?? {};
    for (const [name, template] of Object.entries(defs)) {
      const steps: NonNullable<ExpressionContext["steps"]> = {};
      for (const node of this.plan.order) {
        if (!template.includes(node.id)) continue;
        const r = this.peek(node.id);
        if (r) steps[node.id] = { status: r.status, output: r.output ?? null, attempt: r.attempt };
      }
      const ctx: ExpressionContext = { inputs: this.state.run.inputs, variables: this.state.run.variables, steps, run: { id: this.runId } };
      const r = template.includes("{{") ? renderValue(template, ctx, this.meter) : evaluate(template, ctx, this.meter);
      outputs[name] = r.ok ? r.value : null;
    }
    return outputs;
  }

  /** Starts ready steps while slots are free: the store's queue first (oldest), then new ones. */
  fillSlots(): void {
    if (!isRunActive(this.runStatus)) return;
    const limit = this.plan.concurrency;
    const free = (): number => (limit === 0 ? Infinity : limit - this.counter("running"));
    let asked = 0;
    while (free() > 0) {
      const want = asked + Math.min(free(), 1024);
      const batch = this.state.readySteps(want);
      for (let i = asked; i < batch.length && free() > 0; i++) {
        const id = batch[i] as string;
        if (this.get(id).status === "ready") this.start(id);
      }
      if (batch.length < want) break;
      asked = want;
    }
    for (let i = 0; i < this.newlyReady.length && free() > 0; i++) {
      const id = this.newlyReady[i] as string;
      if (this.get(id).status === "ready") this.start(id);
    }
  }

  /** Settles the run's status after the event: finished, waiting on gates, or running. */
  settle(): void {
    const status = this.runStatus;
    if (isRunTerminal(status)) return;
    if (this.counter("remaining") <= 0) {
      const failure = this.failure;
      if (this.counter("failed") > 0 && failure) this.endRun("failed", `step "${failure.stepId}" failed: ${failure.message}`);
      else if (this.counter("failed") > 0) this.endRun("failed", "a step failed");
      else this.endRun("succeeded", "all steps finished");
      return;
    }
    if (status === "paused" || status === "queued") return;
    const next = this.counter("running") === 0 && this.counter("waitingApproval") > 0 ? "waiting_approval" : "running";
    if (next !== status) this.runPatch.status = next;
  }

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

/** What the caller of decide() configures (the engine itself reads no configuration). */
export interface DecideOptions {
  /** The budget of this decision's expressions. @default 50 ms of virtual time (no clock) */
  expressions?: ExpressionLimits;
  /** Largest step output, as UTF-8 JSON: a larger one fails the step (`output_too_large`). @default 1 MiB */
  outputMaxBytes?: number;
}

/** @default 1 MiB: the largest output a step may publish (STEP_OUTPUT_MAX_BYTES on the server). */
export const DEFAULT_OUTPUT_MAX_BYTES = 1024 * 1024;

/** The failure of a step whose output is over the limit, or undefined when it fits. */
function outputTooLarge(output: Json | undefined, maxBytes: number): StepError | undefined {
  const bytes = jsonBytes(output);
  if (bytes !== undefined && bytes <= maxBytes) return undefined;
  const size = bytes === undefined ? "cannot be stored as JSON" : `is ${bytes.toLocaleString("en")} bytes as JSON`;
  return {
    code: "output_too_large",
    message: `the step's output ${size}; a step output may be at most ${maxBytes.toLocaleString("en")} bytes (STEP_OUTPUT_MAX_BYTES): put large results in $WF_ARTIFACTS and output where they are`,
  };
}

function isCurrent(rec: StepState | undefined, attempt: number, status: StepStatus): rec is StepState {
  return rec !== undefined && rec.attempt === attempt && rec.status === status;
}

/**
 * The whole state machine of a run as a pure function: given the touched part of a run and one
 * event, returns a patch and the commands to execute. The input is never mutated. Stale or
 * duplicate events (an old attempt, a step already finished) produce an empty decision, so
 * at-least-once delivery is safe.
 */
export function decide(plan: Plan, state: RunState, event: EngineEvent, options: DecideOptions = {}): Decision {
  const d = new Decider(plan, state, event.at, new ExpressionMeter(options.expressions));
  const runStatus = state.run.status;
  if (event.type === "run_retry_requested") {
    if (!retryRun(d, plan, state, event)) return d.result();
    d.fillSlots();
    d.settle();
    return d.result();
  }
  if (isRunTerminal(runStatus)) return d.result();

  switch (event.type) {
    case "run_started": {
      if (runStatus !== "queued") return d.result();
      d.runPatch.status = "running";
      d.runPatch.startedAt = event.at;
      if (plan.timeoutMs !== undefined) {
        d.commands.push({ kind: "schedule_timer", runId: state.run.id, stepId: "", attempt: 0, timer: "run_timeout", at: event.at + plan.timeoutMs });
      }
      for (const root of plan.roots) d.ready(root);
      break;
    }
    case "step_succeeded": {
      const rec = state.steps.get(event.stepId);
      if (!isCurrent(rec, event.attempt, "running")) return d.result();
      const tooLarge = outputTooLarge(event.output, options.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES);
      if (tooLarge) {
        d.stepFailed(event.stepId, tooLarge);
        break;
      }
      const node = planNodeOf(plan, event.stepId);
      if (node.approval && node.kind !== "approval") {
        // Hold the result for review: downstream waits until the gate is decided.
        if (node.occupiesSlot) d.delta.running--;
        d.openGate(event.stepId, node, { ...rec, output: event.output });
      } else {
        d.finish(event.stepId, "succeeded", { output: event.output });
      }
      break;
    }
    case "step_failed":
    case "step_timed_out": {
      const rec = state.steps.get(event.stepId);
      if (!isCurrent(rec, event.attempt, "running")) return d.result();
      const node = planNodeOf(plan, event.stepId);
      let error: StepError;
      if (event.type === "step_timed_out") {
        error = { code: "timeout", message: `timed out after ${node.timeoutMs ?? 0}ms` };
        d.commands.push({ kind: "cancel_step", runId: state.run.id, stepId: event.stepId, attempt: event.attempt, reason: "timeout" });
      } else error = event.error;
      d.stepFailed(event.stepId, error);
      break;
    }
    case "retry_timer_fired": {
      const rec = state.steps.get(event.stepId);
      if (!rec || rec.status !== "waiting_retry" || event.attempt !== rec.attempt + 1) return d.result();
      d.put({ ...rec, status: "ready" });
      d.newlyReady.push(event.stepId);
      break;
    }
    case "wait_timer_fired": {
      const rec = state.steps.get(event.stepId);
      if (!isCurrent(rec, event.attempt, "running")) return d.result();
      d.finish(event.stepId, "succeeded", { output: { waited_ms: event.at - (rec.startedAt ?? event.at) } });
      break;
    }
    case "subworkflow_finished": {
      const rec = state.steps.get(event.stepId);
      if (!isCurrent(rec, event.attempt, "running")) return d.result();
      const tooLarge = event.status === "succeeded" ? outputTooLarge(event.output ?? null, options.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES) : undefined;
      if (tooLarge) d.stepFailed(event.stepId, tooLarge);
      else if (event.status === "succeeded") d.finish(event.stepId, "succeeded", { output: event.output ?? null });
      else d.stepFailed(event.stepId, event.error ?? { message: `child run ${event.childRunId} ${event.status}` });
      break;
    }
    case "gate_decided":
      decideGate(d, plan, state, event);
      break;
    case "run_cancel_requested":
      d.abortRun("cancelled", event.reason ?? (event.by ? `cancelled by ${event.by}` : "cancelled"));
      break;
    case "run_timed_out":
      d.abortRun("failed", `run timed out after ${plan.timeoutMs ?? 0}ms`);
      break;
    case "run_pause_requested":
      if (canPauseRun(runStatus)) d.runPatch.status = "paused";
      return d.result();
    case "run_resume_requested":
      if (!canResumeRun(runStatus)) return d.result();
      d.runPatch.status = "running";
      break;
    default:
      assertNever(event, "event");
  }
  d.fillSlots();
  d.settle();
  return d.result();
}

function decideGate(d: Decider, plan: Plan, state: RunState, event: Extract<EngineEvent, { type: "gate_decided" }>): void {
  const rec = state.steps.get(event.stepId);
  if (!rec || rec.status !== "waiting_approval" || rec.gate?.id !== event.gateId || rec.gate.status !== "pending") return;
  const node = planNodeOf(plan, event.stepId);
  const decided = (status: NonNullable<StepState["gate"]>["status"]): StepState["gate"] => ({
    ...(rec.gate as NonNullable<StepState["gate"]>),
    status,
    decidedAt: event.at,
    ...(event.by !== undefined ? { decidedBy: event.by } : {}),
    ...(event.comment !== undefined ? { comment: event.comment } : {}),
  });
  const who = event.by ? ` by ${event.by}` : "";
  const why = event.comment ? `: ${event.comment}` : "";
  let action = event.action;
  if (action === "expire") {
    const outcome = node.approval?.on_timeout ?? "fail";
    d.put({ ...rec, gate: decided(gateStatusAfter("expire")) });
    if (outcome === "cancel") {
      d.abortRun("cancelled", `gate of "${event.stepId}" expired`);
      return;
    }
    if (outcome === "skip") d.finish(event.stepId, "skipped", { reason: "gate expired" });
    else d.finish(event.stepId, "failed", { error: { code: "gate_expired", message: "approval gate expired" } });
    return;
  }
  switch (action) {
    case "approve": {
      d.put({ ...rec, gate: decided(gateStatusAfter("approve")) });
      if (node.kind !== "approval") {
        d.finish(event.stepId, "succeeded", {});
        return;
      }
      d.finish(event.stepId, "succeeded", { output: stageOutput(node, event) });
      return;
    }
    case "modify":
      d.put({ ...rec, gate: decided(gateStatusAfter("modify")) });
      // Next steps' params first: finishing the gated step may start them in this very decision.
      for (const [id, params] of Object.entries(event.nextParams ?? {})) {
        if (!node.dependents.includes(id)) continue;
        const next = d.get(id);
        if (next.status === "pending") d.put({ ...next, paramsOverride: params });
      }
      // A human stage's output is its form: a modify of one publishes the (checked) values as approve does.
      if (node.kind === "approval") d.finish(event.stepId, "succeeded", { output: stageOutput(node, event) });
      else d.finish(event.stepId, "succeeded", { output: event.payload !== undefined ? event.payload : (rec.output ?? null) });
      return;
    case "skip":
      d.put({ ...rec, gate: decided(gateStatusAfter("skip")) });
      d.finish(event.stepId, "skipped", { reason: `skipped at the gate${who}${why}` });
      return;
    case "reject":
      d.put({ ...rec, gate: decided(gateStatusAfter("reject")) });
      d.finish(event.stepId, "failed", { error: { code: "rejected", message: `rejected${who}${why}` } });
      return;
    case "cancel":
      d.put({ ...rec, gate: decided(gateStatusAfter("cancel")) });
      d.abortRun("cancelled", `cancelled at the gate of "${event.stepId}"${who}${why}`);
      return;
    case "retry": {
      d.put({ ...rec, gate: decided(gateStatusAfter("retry")) });
      d.delta.waitingApproval--;
      if (node.kind === "approval") {
        d.openGate(event.stepId, node, { ...d.get(event.stepId), attempt: rec.attempt + 1 });
        return;
      }
      d.put({ ...d.get(event.stepId), status: "ready", ...(event.params !== undefined ? { paramsOverride: event.params } : {}) });
      d.newlyReady.push(event.stepId);
      return;
    }
    default:
      action = assertNever(action, "gate action");
  }
}

/** What a human stage publishes: its form's values (checked by the caller; defaults in auto mode). */
function stageOutput(node: PlanNode, event: Extract<EngineEvent, { type: "gate_decided" }>): JsonObject {
  const values = isJsonObject(event.payload) ? event.payload : formDefaults(node.approval?.form);
  return { approved: true, by: event.by ?? null, comment: event.comment ?? null, ...values };
}

const isJsonObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Outcome fields of a record: a retried record loses them (set to undefined: cleared, NULL in a database). */
const OUTCOME_FIELDS = ["blockedBy", "closedNeeds", "output", "error", "reason", "gate", "finishedAt", "items", "nextItem", "activeChildren", "failedChild"] as const satisfies readonly (keyof StepState)[];

/** `rec` back to `pending` without its previous outcome; keeps attempt, startedAt, paramsOverride, parent/item/index. */
function pendingAgain(rec: StepState): StepState {
  const next: StepState = { ...rec, status: "pending" };
  for (const field of OUTCOME_FIELDS) next[field] = undefined;
  return next;
}

/**
 * Whether a record of a finished run is part of its failed region (re-run by a retry):
 * - failed, unless `continue_on_failure` (the run tolerated it; its dependents may have used it);
 * - skipped because a need failed or was cancelled (`blockedBy`); not by `if`, branch or gate;
 * - cancelled, unless it lost a `wait_for: any` race (a dependent any-join succeeded).
 */
function inFailedRegion(d: Decider, plan: Plan, rec: StepState): boolean {
  switch (rec.status) {
    case "failed":
      return !planNodeOf(plan, rec.id).continueOnFailure;
    case "skipped":
      return rec.blockedBy !== undefined;
    case "cancelled": {
      if (rec.parent !== undefined) return true;
      for (const dep of planNodeOf(plan, rec.id).dependents) {
        if (planNodeOf(plan, dep).needsMode === "any" && d.get(dep).status === "succeeded") return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * `run_retry_requested`: puts the failed region of a failed or cancelled run back to work. Returns
 * false (empty decision) when the run is in any other status or nothing is left to re-run.
 *
 * - Region records (see inFailedRegion) go back to `pending` with their attempt kept, then their
 *   needs outside the region (all terminal) are replayed through needFinished, exactly as if they
 *   had just finished: `unsatisfied`, `closedNeeds`, `blockedBy` come out as in a first run and the
 *   records whose needs are met become ready (or run at once: noop, branch, join) in plan order.
 * - A foreach that had created its instances is resumed, not re-expanded: it stays `running` with
 *   its items, its failed/cancelled instances run again (attempt kept), succeeded ones keep their
 *   output, unlaunched items continue. At most `concurrency` instances are in the region (a failure
 *   stops launching), so the limit holds. Refused with EngineError("conflict") when such a foreach
 *   has a need in the region (it would have to be re-expanded while its instance records exist):
 *   possible only when it ran after a need that was skipped because of an upstream failure.
 * - Counters change by deltas: `remaining` +1 and `failed` -1 (failed records) per region record,
 *   `running` and `waitingApproval` back to 0 (they already are after a run ends).
 * - The run is `running` again; `reason`, `failure`, `finishedAt` are cleared (RunPatch.clear) and
 *   a run timeout, if any, is scheduled again from now.
 */
function retryRun(d: Decider, plan: Plan, state: RunState, event: Extract<EngineEvent, { type: "run_retry_requested" }>): boolean {
  if (!canRetryRun(state.run.status)) return false;
  if (!state.stepsWithStatus) {
    throw new EngineError("internal", "retrying a run needs RunState.stepsWithStatus: this store cannot list a run's records by status");
  }
  const found = state.stepsWithStatus(RETRY_CANDIDATE_STATUSES);
  for (const rec of found) d.loaded.set(rec.id, rec);
  const candidates = found.filter((rec) => inFailedRegion(d, plan, rec));
  const candidateIds = new Set(candidates.map((rec) => rec.id));
  // A failed or cancelled instance always failed or cancelled its foreach: instances follow it.
  const region = candidates.filter((rec) => rec.parent === undefined || candidateIds.has(rec.parent));
  if (region.length === 0) return false;
  const regionIds = new Set(region.map((rec) => rec.id));
  const position = new Map(plan.order.map((node, i) => [node.id, i]));
  const rank = (rec: StepState): number => position.get(rec.parent ?? rec.id) ?? 0;
  region.sort((a, b) => rank(a) - rank(b) || (a.parent === undefined ? -1 : (a.index ?? 0)) - (b.parent === undefined ? -1 : (b.index ?? 0)));

  d.delta.running -= state.run.counters.running;
  d.delta.waitingApproval -= state.run.counters.waitingApproval;
  const resumed = new Map<string, StepState[]>();
  for (const rec of region) {
    const node = planNodeOf(plan, rec.id);
    if (rec.parent === undefined && node.kind === "foreach" && rec.items !== undefined) {
      const need = node.needs.find((n) => regionIds.has(n));
      if (need !== undefined) {
        throw new EngineError("conflict", `cannot retry the run: foreach "${rec.id}" already ran its items but its need "${need}" would run again; start a new run`, { stepId: rec.id, need });
      }
      resumed.set(rec.id, []);
    }
  }
  for (const rec of region) {
    d.delta.remaining++;
    if (rec.status === "failed") d.delta.failed--;
    if (rec.parent !== undefined) {
      const siblings = resumed.get(rec.parent);
      if (!siblings) throw new EngineError("internal", `foreach instance "${rec.id}" has no expanded parent "${rec.parent}"`, { stepId: rec.id });
      siblings.push(rec);
      d.put({ ...pendingAgain(rec), unsatisfied: 0 });
    } else if (resumed.has(rec.id)) {
      d.put({ ...pendingAgain(rec), status: "running", items: rec.items, nextItem: rec.nextItem, unsatisfied: 0 });
    } else {
      d.put({ ...pendingAgain(rec), unsatisfied: planNodeOf(plan, rec.id).needs.length });
    }
  }
  for (const [id, instances] of resumed) d.update(id, { activeChildren: instances.length });

  d.runPatch.status = "running";
  for (const field of ["reason", "failure", "finishedAt"] as const) d.cleared.add(field);
  if (plan.timeoutMs !== undefined) {
    d.commands.push({ kind: "schedule_timer", runId: state.run.id, stepId: "", attempt: 0, timer: "run_timeout", at: event.at + plan.timeoutMs });
  }

  for (const rec of region) {
    if (rec.parent !== undefined || resumed.has(rec.id)) continue;
    const node = planNodeOf(plan, rec.id);
    if (node.needs.length === 0) {
      d.ready(rec.id);
      continue;
    }
    for (const need of node.needs) {
      if (regionIds.has(need)) continue;
      const status = d.get(need).status;
      d.needFinished(rec.id, need, status, isSatisfied(status, planNodeOf(plan, need).continueOnFailure));
    }
  }
  for (const [id, instances] of resumed) {
    for (const rec of instances) d.ready(rec.id);
    if (instances.length === 0) d.continueForeach(id, planNodeOf(plan, id));
  }
  return true;
}
