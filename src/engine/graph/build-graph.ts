import type { ForeachStep, StepDefinition } from "../definition/schema";
import { assertNever } from "../errors";

export type Path = (string | number)[];

/**
 * What a node of the compiled graph does:
 * - task: run by an executor (shell, http, agent, llm, git, and noop, whose executor returns
 *   `params.output`)
 * - approval: opens a gate as soon as it is ready
 * - wait: schedules a durable timer
 * - subworkflow: starts a child run
 * - foreach: evaluates its items and runs one instance per item
 * - branch: evaluates the `if` of a conditional (or of a guarded parallel) and records the choice
 * - join: the node that stands for a parallel/conditional: done when its children are
 */
export type NodeKind = "task" | "approval" | "wait" | "subworkflow" | "foreach" | "branch" | "join";

/** An expression or template found in a step, with where it came from (for errors and loading). */
export interface NodeExpression {
  text: string;
  kind: "cel" | "template";
  path: Path;
  /** The foreach template's expressions see `item` and `index`. */
  inTemplate?: boolean;
  /** retry_if sees `error` and `attempt`; it is evaluated without step references. */
  retryIf?: boolean;
}

export interface GraphNode {
  /** Node id: the step id, or `<id>.if` for the branch node of a conditional. */
  id: string;
  /** The step id a user knows this node by. */
  stepId: string;
  kind: NodeKind;
  /** The step definition (the container's for join/branch nodes). */
  step: StepDefinition;
  /** Where the step is in the YAML document. */
  path: Path;
  /** Effective needs (node ids): declared needs plus the ones implied by enclosing control steps. */
  needs: string[];
  /** Path of each declared `needs` entry, for error positions. */
  needPaths: Map<string, Path>;
  /** `any`: one satisfied need is enough (parallel with wait_for: any). */
  needsMode: "all" | "any";
  /** Runs only when the branch node decided `when`. */
  guard?: { branch: string; when: boolean };
  /** CEL condition of a branch node, or the step's own `if` for leaf/foreach nodes. */
  condition?: string;
  expressions: NodeExpression[];
}

export interface WorkflowGraph {
  nodes: GraphNode[];
  byId: Map<string, GraphNode>;
}

export function branchNodeId(stepId: string): string {
  return `${stepId}.if`;
}

/** noop is work like any other (its executor returns params.output): it goes through a worker. */
function leafKind(type: StepDefinition["type"]): NodeKind {
  switch (type) {
    case "shell":
    case "http":
    case "agent":
    case "llm":
    case "git":
    case "noop":
      return "task";
    case "approval":
      return "approval";
    case "wait":
      return "wait";
    case "subworkflow":
      return "subworkflow";
    case "foreach":
      return "foreach";
    case "parallel":
    case "conditional":
      return "join";
    default:
      return assertNever(type, "step type");
  }
}

function collectTemplates(value: unknown, path: Path, out: NodeExpression[], inTemplate: boolean): void {
  if (typeof value === "string") {
    if (value.includes("{{")) out.push({ text: value, kind: "template", path, ...(inTemplate ? { inTemplate } : {}) });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectTemplates(v, [...path, i], out, inTemplate));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collectTemplates(v, [...path, k], out, inTemplate);
  }
}

function stepExpressions(step: StepDefinition | ForeachStep["step"], path: Path, inTemplate: boolean, withIf: boolean): NodeExpression[] {
  const out: NodeExpression[] = [];
  const flag = inTemplate ? { inTemplate } : {};
  if (withIf && step.if !== undefined) out.push({ text: step.if, kind: "cel", path: [...path, "if"], ...flag });
  if (step.retries?.retry_if !== undefined) {
    out.push({ text: step.retries.retry_if, kind: "cel", path: [...path, "retries", "retry_if"], retryIf: true });
  }
  if ("params" in step && step.params !== undefined) collectTemplates(step.params, [...path, "params"], out, inTemplate);
  if (step.approval?.message !== undefined) collectTemplates(step.approval.message, [...path, "approval", "message"], out, inTemplate);
  return out;
}

/**
 * Flattens a definition into one DAG of nodes ("compile time" expansion of control steps):
 * - parallel P: its children inherit P's needs; node P is a join needing every child.
 * - conditional C: node `C.if` evaluates the condition; then/else children need it and carry a
 *   guard (they are skipped when the other branch was chosen); node C joins both branches.
 * - a parallel with its own `if` gets a branch node too, guarding all its children.
 * - foreach F: one node; its instances are created at run time when the items are known.
 */
export function buildGraph(steps: readonly StepDefinition[]): WorkflowGraph {
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  const add = (node: GraphNode): void => {
    nodes.push(node);
    if (!byId.has(node.id)) byId.set(node.id, node);
  };

  const walk = (list: readonly StepDefinition[], base: Path, inherited: string[], guard: GraphNode["guard"]): string[] => {
    const ids: string[] = [];
    list.forEach((step, i) => {
      const path = [...base, i];
      const needPaths = new Map<string, Path>();
      (step.needs ?? []).forEach((n, j) => {
        if (!needPaths.has(n)) needPaths.set(n, [...path, "needs", j]);
      });
      const needs = [...new Set([...inherited, ...(step.needs ?? [])])];
      const guardField = guard ? { guard } : {};
      ids.push(step.id);
      switch (step.type) {
        case "parallel": {
          let childNeeds = needs;
          let childGuard = guard;
          if (step.if !== undefined) {
            const branch = branchNodeId(step.id);
            add({
              id: branch, stepId: step.id, kind: "branch", step, path, needs, needPaths, needsMode: "all",
              condition: step.if, expressions: [{ text: step.if, kind: "cel", path: [...path, "if"] }], ...guardField,
            });
            childNeeds = [branch];
            childGuard = { branch, when: true };
          }
          const children = walk(step.steps, [...path, "steps"], childNeeds, childGuard);
          add({
            id: step.id, stepId: step.id, kind: "join", step, path, needs: children, needPaths: new Map(),
            needsMode: step.wait_for, expressions: [], ...(childGuard ? { guard: childGuard } : {}),
          });
          break;
        }
        case "conditional": {
          const branch = branchNodeId(step.id);
          add({
            id: branch, stepId: step.id, kind: "branch", step, path, needs, needPaths, needsMode: "all",
            condition: step.if, expressions: [{ text: step.if, kind: "cel", path: [...path, "if"] }], ...guardField,
          });
          const thenIds = walk(step.then, [...path, "then"], [branch], { branch, when: true });
          const elseIds = step.else ? walk(step.else, [...path, "else"], [branch], { branch, when: false }) : [];
          add({
            id: step.id, stepId: step.id, kind: "join", step, path, needs: [...thenIds, ...elseIds], needPaths: new Map(),
            needsMode: "all", expressions: [], ...guardField,
          });
          break;
        }
        case "foreach": {
          const expressions: NodeExpression[] = [{ text: step.items, kind: "cel", path: [...path, "items"] }];
          if (step.if !== undefined) expressions.push({ text: step.if, kind: "cel", path: [...path, "if"] });
          expressions.push(...stepExpressions(step.step, [...path, "step"], true, true));
          add({
            id: step.id, stepId: step.id, kind: "foreach", step, path, needs, needPaths, needsMode: "all",
            ...(step.if !== undefined ? { condition: step.if } : {}), expressions, ...guardField,
          });
          break;
        }
        default:
          add({
            id: step.id, stepId: step.id, kind: leafKind(step.type), step, path, needs, needPaths, needsMode: "all",
            ...(step.if !== undefined ? { condition: step.if } : {}),
            expressions: stepExpressions(step, path, false, true), ...guardField,
          });
      }
    });
    return ids;
  };

  walk(steps, ["steps"], [], undefined);
  return { nodes, byId };
}
