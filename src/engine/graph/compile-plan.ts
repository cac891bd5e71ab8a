import { parseDuration } from "../duration";
import type { ApprovalPolicy, ForeachStep, StepDefinition, WorkflowDefinition } from "../definition/schema";
import { analyzeExpression } from "../expressions/analyze-expression";
import { parseTemplate } from "../expressions/template";
import { resolveResources, type ResourceLimits } from "../resources";
import { resolveRetry, type ResolvedRetry } from "../retry/backoff";
import { buildGraph, type GraphNode, type NodeExpression, type NodeKind } from "./build-graph";
import { topologicalSort } from "./topological-sort";
import { EngineError } from "../errors";

/** A node of the compiled plan: everything decide() needs about a step, precomputed once. */
export interface PlanNode {
  id: string;
  stepId: string;
  kind: NodeKind;
  step: StepDefinition | ForeachStep["step"];
  needs: readonly string[];
  /** Nodes whose needs include this one: the only records touched when this node finishes. */
  dependents: readonly string[];
  needsMode: "all" | "any";
  guard: { branch: string; when: boolean } | undefined;
  condition: string | undefined;
  /** Step ids the node's expressions read: the store loads these before deciding on the node. */
  refs: readonly string[];
  timeoutMs: number | undefined;
  /** Limits of a step that runs processes (`resources` over `defaults.resources`), else undefined. */
  resources: ResourceLimits | undefined;
  retry: ResolvedRetry | undefined;
  continueOnFailure: boolean;
  /** Gate policy: the gate of an approval step, or the review of another step's result. */
  approval: ApprovalPolicy | undefined;
  /** Counts against the run's concurrency while running (executor work, not timers or gates). */
  occupiesSlot: boolean;
  /** Whether params contain `{{ }}`: when not, they are passed as they are (hot path: no rendering). */
  templated: boolean;
  /** For a foreach: the node each instance `id[i]` is made from. */
  template: PlanNode | undefined;
}

/** The compiled, cacheable form of one workflow version. */
export interface Plan {
  name: string;
  definition: WorkflowDefinition;
  nodes: ReadonlyMap<string, PlanNode>;
  /** Nodes in a topological order. */
  order: readonly PlanNode[];
  roots: readonly string[];
  /** Max running steps; 0 = unlimited. */
  concurrency: number;
  timeoutMs: number | undefined;
}

const DEFAULT_APPROVAL: ApprovalPolicy = { min_approvals: 1, allow_self_approval: false, on_timeout: "fail" };

function refsOf(expressions: readonly NodeExpression[]): string[] {
  const refs = new Set<string>();
  const add = (expr: string): void => {
    const r = analyzeExpression(expr);
    if (r.ok) for (const s of r.refs.steps) refs.add(s);
  };
  for (const e of expressions) {
    if (e.kind === "cel") add(e.text);
    else {
      const t = parseTemplate(e.text);
      if (t.ok) for (const s of t.segments) if (s.kind === "expr") add(s.expr);
    }
  }
  return [...refs];
}

function makeNode(g: GraphNode | undefined, id: string, kind: NodeKind, step: StepDefinition | ForeachStep["step"], def: WorkflowDefinition, expressions: readonly NodeExpression[]): PlanNode {
  const leaf = kind !== "join" && kind !== "branch";
  const timeout = leaf ? (step.timeout ?? def.defaults?.timeout) : undefined;
  return {
    id,
    stepId: g?.stepId ?? id,
    kind,
    step,
    needs: g?.needs ?? [],
    dependents: [],
    needsMode: g?.needsMode ?? "all",
    guard: g?.guard,
    condition: g ? g.condition : step.if,
    refs: refsOf(expressions),
    timeoutMs: timeout !== undefined ? parseDuration(timeout) : undefined,
    resources: step.type === "shell" || step.type === "git" ? resolveResources(step.resources, def.defaults?.resources) : undefined,
    retry: leaf && kind !== "approval" && kind !== "foreach" ? resolveRetry(step.retries ?? def.defaults?.retries) : undefined,
    continueOnFailure: step.continue_on_failure ?? false,
    approval: kind === "approval" ? (step.approval ?? DEFAULT_APPROVAL) : leaf ? step.approval : undefined,
    occupiesSlot: kind === "task" || kind === "subworkflow",
    template: undefined,
    templated: "params" in step && step.params !== undefined && JSON.stringify(step.params).includes("{{"),
  };
}

function templateKind(type: ForeachStep["step"]["type"]): NodeKind {
  switch (type) {
    case "approval":
    case "wait":
    case "subworkflow":
      return type;
    default:
      return "task";
  }
}

/** Compiles a validated definition into a plan: O(steps + edges), done once per workflow version. */
export function compilePlan(definition: WorkflowDefinition): Plan {
  const graph = buildGraph(definition.steps);
  const nodes = new Map<string, PlanNode>();
  for (const g of graph.nodes) {
    const node = makeNode(g, g.id, g.kind, g.step, definition, g.expressions);
    if (g.kind === "foreach" && g.step.type === "foreach") {
      const tpl = g.step.step;
      node.template = makeNode(undefined, g.id, templateKind(tpl.type), tpl, definition, []);
      node.template.refs = node.refs;
      node.template.condition = tpl.if;
    }
    nodes.set(g.id, node);
  }
  const dependents = new Map<string, string[]>();
  for (const node of nodes.values()) {
    for (const need of node.needs) {
      const list = dependents.get(need);
      if (list) list.push(node.id);
      else dependents.set(need, [node.id]);
    }
  }
  for (const node of nodes.values()) node.dependents = dependents.get(node.id) ?? [];
  const order = topologicalSort([...nodes.keys()], (id) => nodes.get(id)?.needs ?? []);
  if (!order) throw new EngineError("invalid_definition", "the workflow has a dependency cycle; validate it first");
  return {
    name: definition.name,
    definition,
    nodes,
    order: order.map((id) => nodes.get(id) as PlanNode),
    roots: order.filter((id) => (nodes.get(id)?.needs.length ?? 0) === 0),
    concurrency: definition.concurrency ?? 0,
    timeoutMs: definition.timeout !== undefined ? parseDuration(definition.timeout) : undefined,
  };
}

/** The plan node of a step record id: `fe[3]` resolves to the template of foreach `fe`. */
export function planNodeOf(plan: Plan, id: string): PlanNode {
  const direct = plan.nodes.get(id);
  if (direct) return direct;
  const bracket = id.indexOf("[");
  const parent = bracket > 0 ? plan.nodes.get(id.slice(0, bracket)) : undefined;
  if (parent?.template) return parent.template;
  throw new EngineError("unknown_step", `no step "${id}" in workflow "${plan.name}"`);
}
