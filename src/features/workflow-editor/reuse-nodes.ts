import type { StepNode } from "./definition-to-flow";

/** Whether a node would render the same: position, size, parent, problems and the step as written. */
export function sameNode(a: StepNode, b: StepNode): boolean {
  return (
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.width === b.width &&
    a.height === b.height &&
    a.parentId === b.parentId &&
    a.data.inCycle === b.data.inCycle &&
    a.data.problems.join("\n") === b.data.problems.join("\n") &&
    a.data.step.key === b.data.step.key &&
    a.data.step.path === b.data.step.path &&
    JSON.stringify(a.data.step.raw) === JSON.stringify(b.data.step.raw)
  );
}

/**
 * The new nodes, each replaced by its previous object when its content did not change: memo'd node
 * components skip those, so an edit of one step re-renders one node, not all 500. Returns the nodes
 * and the map to pass as `previous` next time. Pure.
 */
export function reuseNodes(previous: ReadonlyMap<string, StepNode>, next: readonly StepNode[]): { nodes: StepNode[]; byId: Map<string, StepNode> } {
  const byId = new Map<string, StepNode>();
  const nodes = next.map((n) => {
    const old = previous.get(n.id);
    const keep = old !== undefined && sameNode(old, n) ? old : n;
    byId.set(n.id, keep);
    return keep;
  });
  return { nodes, byId };
}
