import { assertNever } from "../errors";
import { evaluateCondition } from "../expressions/evaluate";
import { planNodeOf, type PlanNode } from "../graph/compile-plan";
import type { Json } from "../json";
import { isActive, isRunActive, isRunTerminal, isSatisfied, isTerminal, type StepStatus } from "../status";
import { openGate } from "./decide-gate";
import { DecisionDraft } from "./decision-draft";
import { instanceFinished, startForeach } from "./foreach";
import { runOutputs } from "./run-outputs";
import { startStep } from "./start-step";
import type { StepState } from "./types";

/**
 * How records move through the graph: readiness (guards, conditions, node kinds), finishing and
 * propagating to dependents, joins, early ends, starting within the run's concurrency, and the
 * run's status after an event. Kind-specific work lives in foreach.ts, decide-gate.ts and
 * start-step.ts; the event handlers (step-events.ts, run-events.ts, decide-gate.ts, retry-run.ts)
 * call these transitions.
 */
export class StepFlow extends DecisionDraft {
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
        openGate(this, id, node, { ...rec, attempt: rec.attempt + 1, startedAt: this.now });
        return;
      case "foreach":
        startForeach(this, id, node, rec);
        return;
      case "task":
      case "wait":
      case "subworkflow":
        this.markReady(rec);
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

  finish(id: string, status: StepStatus, fields: Partial<StepState> = {}): void {
    const prev = this.get(id);
    if (isTerminal(prev.status)) return;
    const node = planNodeOf(this.plan, id);
    const after = this.put({ ...prev, ...fields, status, finishedAt: this.now });
    if (status === "failed" && !node.continueOnFailure && !this.failure) {
      this.runPatch.failure = { stepId: id, message: after.error?.message ?? after.reason ?? "failed" };
    }
    if (after.parent !== undefined) {
      instanceFinished(this, after);
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
    // The pending records pendingTo cancels are not loaded: nothing is open once this patch applies.
    this.zeroOpen(["remaining", "running", "waitingApproval"]);
    this.endRun(status, reason);
  }

  private endRun(status: "succeeded" | "failed" | "cancelled", reason: string): void {
    this.runPatch.status = status;
    this.runPatch.reason = reason;
    this.runPatch.finishedAt = this.now;
    this.commands.push({ kind: "finish_run", runId: this.runId, status, reason, outputs: status === "succeeded" ? runOutputs(this) : {} });
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
        if (this.get(id).status === "ready") startStep(this, id);
      }
      if (batch.length < want) break;
      asked = want;
    }
    for (let i = 0; i < this.newlyReady.length && free() > 0; i++) {
      const id = this.newlyReady[i] as string;
      if (this.get(id).status === "ready") startStep(this, id);
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
    // A queued or paused run keeps its status: only its end (above) changes it.
    if (!isRunActive(status)) return;
    const next = this.counter("running") === 0 && this.counter("waitingApproval") > 0 ? "waiting_approval" : "running";
    if (next !== status) this.runPatch.status = next;
  }
}
