import type { WorkflowDefinition } from "../definition/schema";
import { compilePlan, type Plan } from "./compile-plan";

export interface ExecutionPlan {
  /** Steps grouped by the earliest wave they can run in (every need is in an earlier level). */
  levels: string[][];
  /** The longest path by estimate, first step to last. */
  criticalPath: string[];
  /** Sum of the estimates along the critical path. */
  duration: number;
}

/**
 * Execution levels and critical path of a workflow. `estimates` give each step's expected
 * duration (any unit); missing ones count 1. Internal nodes (joins, branch decisions) cost 0 and
 * are not listed, so the answer reads in the user's step ids.
 */
export function plan(workflow: WorkflowDefinition | Plan, estimates: Record<string, number> = {}): ExecutionPlan {
  const compiled = "nodes" in workflow ? workflow : compilePlan(workflow);
  const visible = (id: string): boolean => {
    const node = compiled.nodes.get(id);
    return node !== undefined && node.kind !== "branch" && !(node.kind === "join");
  };
  const cost = (id: string): number => (visible(id) ? (estimates[id] ?? 1) : 0);
  const level = new Map<string, number>();
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  for (const node of compiled.order) {
    let lvl = 0;
    let start = 0;
    let from: string | undefined;
    for (const need of node.needs) {
      lvl = Math.max(lvl, (level.get(need) ?? 0) + (visible(need) ? 1 : 0));
      const f = finish.get(need) ?? 0;
      if (from === undefined || f > start) {
        start = f;
        from = need;
      }
    }
    level.set(node.id, lvl);
    finish.set(node.id, start + cost(node.id));
    via.set(node.id, from);
  }
  const levels: string[][] = [];
  for (const node of compiled.order) {
    if (!visible(node.id)) continue;
    const lvl = level.get(node.id) ?? 0;
    (levels[lvl] ??= []).push(node.id);
  }
  let end: string | undefined;
  for (const [id, f] of finish) if (end === undefined || f > (finish.get(end) ?? 0)) end = id;
  const path: string[] = [];
  for (let id = end; id !== undefined; id = via.get(id)) if (visible(id)) path.unshift(id);
  return { levels: levels.filter((l) => l.length > 0), criticalPath: path, duration: end !== undefined ? (finish.get(end) ?? 0) : 0 };
}
