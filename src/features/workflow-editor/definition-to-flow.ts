/**
 * The editor graph (read from the YAML) to React Flow nodes and edges: containers for parallel and
 * conditional steps (children inside, with `then` / `else` badges), `needs` as edges, problems and
 * cycles as flags on the data. Pure; React Flow types are only the output shape.
 */
import { MarkerType, type Edge, type Node } from "@xyflow/react";
import { NODE_H, NODE_W, containerSizes, type Positions } from "./auto-layout";
import { CONTAINER_TYPES, type EditorGraph, type EditorStep, type IssueMap } from "./read-graph";

export type DiffMark = "added" | "removed" | "changed";

type Common = {
  step: EditorStep;
  problems: string[];
  inCycle: boolean;
  diff?: DiffMark;
};

/** Node data, a union on the kind of node. */
export type FlowNodeData =
  | (Common & { kind: "step" })
  | (Common & { kind: "group"; container: "parallel" | "conditional" });

export type StepNode = Node<FlowNodeData, "step" | "group">;

export function stepLabel(step: EditorStep): string {
  return `Step ${step.id || step.path}`;
}

export function definitionToFlow(
  graph: EditorGraph,
  positions: Positions,
  issues?: IssueMap,
  options: { diff?: Map<string, DiffMark>; selected?: string | null } = {},
): { nodes: StepNode[]; edges: Edge[] } {
  const sizes = containerSizes(graph, positions);
  // React Flow wants parents before their children: document order already is.
  const nodes: StepNode[] = graph.steps.map((step) => {
    const isGroup = CONTAINER_TYPES.has(step.type);
    const size = isGroup ? sizes.get(step.key) : { width: NODE_W, height: NODE_H };
    const common: Common = {
      step,
      problems: (issues?.byStep.get(step.key) ?? []).map((i) => i.message),
      inCycle: issues?.cycleNodes.has(step.key) ?? false,
      ...(options.diff?.has(step.key) ? { diff: options.diff.get(step.key) as DiffMark } : {}),
    };
    const data: FlowNodeData = isGroup ? { ...common, kind: "group", container: step.type as "parallel" | "conditional" } : { ...common, kind: "step" };
    return {
      id: step.key,
      type: isGroup ? "group" : "step",
      position: positions[step.key] ?? { x: 0, y: 0 },
      data,
      ariaLabel: stepLabel(step),
      width: size?.width ?? NODE_W,
      height: size?.height ?? NODE_H,
      ...(step.parent !== undefined ? { parentId: step.parent, extent: "parent" as const } : {}),
      ...(options.selected === step.key ? { selected: true } : {}),
      ...(isGroup ? { zIndex: -1 } : {}),
    };
  });
  // Each edge also draws a wide invisible path to be easy to click; on big graphs that doubles the
  // SVG the browser lays out, so the hit area shrinks to the line (edges are also edited in the inspector).
  const interaction = graph.edges.length > 300 ? { interactionWidth: 6 } : {};
  const edges: Edge[] = graph.edges.map((e) => {
    const inCycle = issues?.cycleEdges.has(e.id) ?? false;
    const target = graph.byKey.get(e.to);
    const from = graph.byKey.get(e.from);
    return {
      id: e.id,
      source: e.from,
      target: e.to,
      ariaLabel: `Edge from ${from?.id || e.from} to ${target?.id || e.to}`,
      ...(inCycle ? { className: "wf-edge-cycle", animated: true, data: { inCycle } } : {}),
      style: inCycle ? { stroke: "#dc2626", strokeWidth: 2.5 } : { stroke: "#64748b", strokeWidth: 1.5 },
      markerEnd: { type: MarkerType.ArrowClosed, color: inCycle ? "#dc2626" : "#64748b" },
      ...interaction,
    };
  });
  return { nodes, edges };
}
