import { EngineError } from "../errors";
import { evaluate, type ExpressionError } from "../expressions/evaluate";
import { planNodeOf, type PlanNode } from "../graph/compile-plan";
import type { Json } from "../json";
import { isTerminal } from "../status";
import type { DecisionDraft } from "./decision-draft";
import type { StepState } from "./types";

// A foreach F fans out at run time: when F is ready its `items` are evaluated, and instances
// F[0], F[1]... (records made from F's template node) are created and readied, at most
// `concurrency` at once. Each finished instance launches the next; F fans in when none is left:
// its output is the list of instance outputs, or it fails with the first failed instance
// (a failure stops launching). Instance records count like any record (run-counters.ts).

/** F is ready: evaluate its items and launch the first instances (an empty list succeeds at once). */
export function startForeach(d: DecisionDraft, id: string, node: PlanNode, rec: StepState): void {
  if (node.step.type !== "foreach") throw new EngineError("internal", `step "${id}" is not a foreach`);
  const result = evaluate(node.step.items, d.context(node, rec), d.meter);
  if (!result.ok || !Array.isArray(result.value)) {
    const error: ExpressionError = result.ok ? { code: "type", message: `items must be a list, got ${JSON.stringify(result.value)}` } : result.error;
    d.finish(id, "failed", d.expressionFailure("items", error));
    return;
  }
  d.put({ ...rec, status: "running", attempt: rec.attempt + 1, startedAt: d.now, items: result.value, nextItem: 0, activeChildren: 0 });
  if (result.value.length === 0) {
    d.finish(id, "succeeded", { output: [] });
    return;
  }
  launchInstances(d, id, node);
}

/** Creates and readies foreach instances up to the foreach's concurrency. */
function launchInstances(d: DecisionDraft, id: string, node: PlanNode): void {
  if (node.step.type !== "foreach") return;
  const limit = node.step.concurrency;
  let parent = d.get(id);
  const items = parent.items ?? [];
  while ((parent.activeChildren ?? 0) < limit && (parent.nextItem ?? 0) < items.length && parent.failedChild === undefined) {
    const index = parent.nextItem ?? 0;
    const childId = `${id}[${index}]`;
    parent = d.put({ ...parent, nextItem: index + 1, activeChildren: (parent.activeChildren ?? 0) + 1 });
    d.put({ id: childId, status: "pending", attempt: 0, unsatisfied: 0, parent: id, item: items[index] ?? null, index });
    d.ready(childId);
  }
}

/** A foreach instance ended: launch the next one or finish the foreach. */
export function instanceFinished(d: DecisionDraft, child: StepState): void {
  const parentId = child.parent as string;
  const parentNode = planNodeOf(d.plan, parentId);
  const parent = d.get(parentId);
  if (isTerminal(parent.status)) return;
  const failed = child.status === "failed" && !(parentNode.template?.continueOnFailure ?? false);
  d.put({
    ...parent,
    activeChildren: (parent.activeChildren ?? 1) - 1,
    ...(failed && parent.failedChild === undefined ? { failedChild: child.id } : {}),
  });
  continueForeach(d, parentId, parentNode);
}

/** Launches more instances of a running foreach, or finishes it when none is left (fan-in). */
export function continueForeach(d: DecisionDraft, parentId: string, parentNode: PlanNode): void {
  launchInstances(d, parentId, parentNode);
  const parent = d.get(parentId);
  const items = parent.items ?? [];
  const done = (parent.activeChildren ?? 0) === 0 && (parent.failedChild !== undefined || (parent.nextItem ?? 0) >= items.length);
  if (!done) return;
  if (parent.failedChild !== undefined) {
    const failedRec = d.get(parent.failedChild);
    d.finish(parentId, "failed", { error: { message: `item ${parent.failedChild} failed: ${failedRec.error?.message ?? "failed"}` } });
    return;
  }
  const output: Json[] = [];
  for (let i = 0; i < (parent.nextItem ?? 0); i++) output.push(d.get(`${parentId}[${i}]`).output ?? null);
  d.finish(parentId, "succeeded", { output });
}
