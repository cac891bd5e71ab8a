import { analyzeExpression } from "../expressions/analyze-expression";
import { parseTemplate } from "../expressions/template";
import { buildGraph, type GraphNode, type NodeExpression, type Path, type WorkflowGraph } from "../graph/build-graph";
import { findCycles } from "../graph/find-cycles";
import { suggestion } from "./did-you-mean";
import type { StepDefinition, WorkflowDefinition } from "./schema";
import { formatPath, noSource, type Locate, type WorkflowIssue, type WorkflowIssueCode } from "./workflow-issue";

/** Every step of a definition (nested ones included) with its path, in document order. */
export function allSteps(steps: readonly StepDefinition[], base: Path = ["steps"]): { step: StepDefinition; path: Path }[] {
  const out: { step: StepDefinition; path: Path }[] = [];
  const walk = (list: readonly StepDefinition[], at: Path): void => {
    list.forEach((step, i) => {
      const path = [...at, i];
      out.push({ step, path });
      if (step.type === "parallel") walk(step.steps, [...path, "steps"]);
      else if (step.type === "conditional") {
        walk(step.then, [...path, "then"]);
        if (step.else) walk(step.else, [...path, "else"]);
      }
    });
  };
  walk(steps, base);
  return out;
}

function typeOfInput(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

/** Is `target` reachable from `from` along needs (i.e. upstream of it)? BFS, cost O(ancestors). */
function isUpstream(graph: WorkflowGraph, from: GraphNode, target: string): boolean {
  const seen = new Set<string>();
  const queue = [...from.needs];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = graph.byId.get(id);
    if (node) for (const n of node.needs) queue.push(n);
  }
  return false;
}

/**
 * Semantic validation after the schema: ids, needs, cycles, expressions and their references.
 * Returns every issue found (not only the first), each positioned through `locate`.
 */
export function validateWorkflow(definition: WorkflowDefinition, locate: Locate = noSource, file?: string): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  const report = (code: WorkflowIssueCode, path: Path, message: string, within?: { text: string; offset: number }): void => {
    const pos = locate(path, within ? { within } : undefined);
    issues.push({ ...(file !== undefined ? { file } : {}), line: pos.line, col: pos.col, path: formatPath(path), message, code });
  };

  // 1. Ids are unique across the whole tree (nested control steps included).
  const steps = allSteps(definition.steps);
  const firstPath = new Map<string, Path>();
  for (const { step, path } of steps) {
    const seen = firstPath.get(step.id);
    if (seen) {
      const at = locate([...seen, "id"]);
      report("duplicate_id", [...path, "id"], `duplicate step id "${step.id}": already used at ${formatPath(seen)}${at.line ? ` (line ${at.line})` : ""}; rename one of them`);
    } else firstPath.set(step.id, path);
  }
  const ids = [...firstPath.keys()];

  // 2. Needs name existing steps, not the step itself.
  for (const { step, path } of steps) {
    (step.needs ?? []).forEach((need, j) => {
      if (need === step.id) {
        report("self_dependency", [...path, "needs", j], `step "${step.id}" needs itself: remove "${need}" from its needs`);
      } else if (!firstPath.has(need)) {
        report("unknown_dependency", [...path, "needs", j], `step "${step.id}" needs unknown step "${need}"${suggestion(need, ids)}`);
      }
    });
  }

  // 3. Cycles, on the compiled graph (so containers and their children count too).
  const graph = buildGraph(definition.steps);
  const nodeIds = graph.nodes.map((n) => n.id);
  const cycles = findCycles(nodeIds, (id) => (graph.byId.get(id)?.needs ?? []).filter((n) => n !== id));
  for (const cycle of cycles) {
    // Start the cycle at the step written first, so the message is stable and reads top-down.
    const open = cycle.slice(0, -1);
    const order = (id: string): number => graph.nodes.indexOf(graph.byId.get(id) as GraphNode);
    let start = 0;
    open.forEach((id, i) => {
      if (order(id) < order(open[start] as string)) start = i;
    });
    const rotated = [...open.slice(start), ...open.slice(0, start)];
    rotated.push(rotated[0] as string);
    const names: string[] = [];
    for (const id of rotated) {
      const name = graph.byId.get(id)?.stepId ?? id;
      if (names[names.length - 1] !== name) names.push(name);
    }
    // Point at the `needs` entry that closes the cycle when there is one.
    const closer = graph.byId.get(rotated[1] ?? "");
    const needPath = closer?.needPaths.get(rotated[0] ?? "");
    report("cycle", needPath ?? closer?.path ?? ["steps"], `dependency cycle: ${names.join(" -> ")}; remove one of these needs`);
  }

  // 4. Expressions parse, type-check and only reference what exists and is upstream.
  const inputNames = Object.keys(definition.inputs ?? {});
  const variableNames = Object.keys(definition.variables ?? {});
  const checkExpr = (expr: string, offset: number, source: NodeExpression, node: GraphNode | undefined): void => {
    const analyzed = analyzeExpression(expr);
    if (!analyzed.ok) {
      const code = analyzed.error.code === "type" ? "expression_type" : "expression_syntax";
      report(code, source.path, `invalid expression "${expr}": ${analyzed.error.message}`, { text: expr, offset: analyzed.error.offset ?? 0 });
      return;
    }
    for (const ref of analyzed.refs.steps) {
      if (!firstPath.has(ref)) {
        report("unknown_reference", source.path, `expression references unknown step "${ref}"${suggestion(ref, ids)}`, { text: expr, offset: 0 });
      } else if (node && (ref === node.stepId || !isUpstream(graph, node, ref))) {
        report(
          "reference_not_upstream",
          source.path,
          `step "${node.stepId}" reads steps.${ref}, but "${ref}" is not upstream of it: add "${ref}" to its needs`,
          { text: expr, offset: 0 },
        );
      }
    }
    for (const ref of analyzed.refs.inputs) {
      if (!inputNames.includes(ref)) report("unknown_reference", source.path, `unknown input "${ref}"${suggestion(ref, inputNames)}; declare it under inputs`, { text: expr, offset: 0 });
    }
    for (const ref of analyzed.refs.variables) {
      if (!variableNames.includes(ref)) report("unknown_reference", source.path, `unknown variable "${ref}"${suggestion(ref, variableNames)}; declare it under variables`, { text: expr, offset: 0 });
    }
  };
  const checkSource = (source: NodeExpression, node: GraphNode | undefined): void => {
    if (source.kind === "cel") {
      checkExpr(source.text, 0, source, node);
      return;
    }
    const parsed = parseTemplate(source.text);
    if (!parsed.ok) {
      report("expression_syntax", source.path, `invalid template: ${parsed.message}`, { text: source.text, offset: parsed.offset });
      return;
    }
    for (const segment of parsed.segments) if (segment.kind === "expr") checkExpr(segment.expr, 0, source, node);
  };
  for (const node of graph.nodes) {
    if (graph.byId.get(node.id) !== node) continue; // duplicate id, already reported
    for (const source of node.expressions) checkSource(source, node);
  }
  for (const [name, template] of Object.entries(definition.outputs ?? {})) {
    checkSource({ text: template, kind: template.includes("{{") ? "template" : "cel", path: ["outputs", name] }, undefined);
  }

  // 5. Input defaults match their declared type and enum.
  for (const [name, spec] of Object.entries(definition.inputs ?? {})) {
    if (spec.default === undefined) continue;
    const actual = typeOfInput(spec.default);
    if (actual !== spec.type) {
      report("invalid_input", ["inputs", name, "default"], `default of input "${name}" is ${actual}, but its type is ${spec.type}`);
    } else if (spec.enum && !spec.enum.some((e) => e === spec.default)) {
      report("invalid_input", ["inputs", name, "default"], `default of input "${name}" is not one of its enum values: ${spec.enum.join(", ")}`);
    }
  }
  return issues;
}

/**
 * The id/needs checks on raw data, for files whose schema validation failed: so a file with a typo
 * in one field still gets its unknown dependencies and duplicate ids reported in the same pass.
 */
export function validateRawSteps(data: unknown, locate: Locate = noSource, file?: string): WorkflowIssue[] {
  const raw: { id: string; needs: unknown[]; path: Path }[] = [];
  const walk = (list: unknown, at: Path): void => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      if (item === null || typeof item !== "object") return;
      const s = item as Record<string, unknown>;
      const path = [...at, i];
      if (typeof s["id"] === "string") raw.push({ id: s["id"], needs: Array.isArray(s["needs"]) ? s["needs"] : [], path });
      for (const key of ["steps", "then", "else"]) walk(s[key], [...path, key]);
    });
  };
  walk(data !== null && typeof data === "object" ? (data as Record<string, unknown>)["steps"] : undefined, ["steps"]);
  const issues: WorkflowIssue[] = [];
  const report = (code: WorkflowIssueCode, path: Path, message: string): void => {
    const pos = locate(path);
    issues.push({ ...(file !== undefined ? { file } : {}), line: pos.line, col: pos.col, path: formatPath(path), message, code });
  };
  const first = new Map<string, Path>();
  for (const s of raw) {
    const seen = first.get(s.id);
    if (seen) report("duplicate_id", [...s.path, "id"], `duplicate step id "${s.id}": already used at ${formatPath(seen)}; rename one of them`);
    else first.set(s.id, s.path);
  }
  const ids = [...first.keys()];
  for (const s of raw) {
    s.needs.forEach((need, j) => {
      if (typeof need !== "string") return;
      if (need === s.id) report("self_dependency", [...s.path, "needs", j], `step "${s.id}" needs itself: remove "${need}" from its needs`);
      else if (!first.has(need)) report("unknown_dependency", [...s.path, "needs", j], `step "${s.id}" needs unknown step "${need}"${suggestion(need, ids)}`);
    });
  }
  return issues;
}
