import { checkEditable } from "../approvals/editable";
import { validateForm } from "../approvals/validate-form";
import { analyzeExpression } from "../expressions/analyze-expression";
import { rewriteShellCommand } from "../expressions/rewrite-shell-command";
import { parseTemplate } from "../expressions/template";
import { buildGraph, type GraphNode, type NodeExpression, type Path, type WorkflowGraph } from "../graph/build-graph";
import { findCycles } from "../graph/find-cycles";
import { didYouMean, suggestion } from "./did-you-mean";
import { STEP_TYPES, ZInputType, type StepDefinition, type WorkflowDefinition } from "./schema";
import { stepTypeError } from "./typed-expression-check";
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

/** Extra knowledge when checking a definition rebuilt from raw data (the schema failed). */
interface CheckOptions {
  /** Made-up ids (steps without a usable id, unreadable needs entries): never reported or suggested. */
  placeholders?: ReadonlySet<string>;
  /** Steps whose needs could not be read: what is upstream of them (and of their dependents) is unknown. */
  opaque?: ReadonlySet<string>;
}

/**
 * Is `target` upstream of `from` (reachable along needs)? BFS, cost O(ancestors). "unknown" when the
 * walk met a step whose needs could not be read and did not find the target.
 */
function upstream(graph: WorkflowGraph, from: GraphNode, target: string, opaque: ReadonlySet<string>): boolean | "unknown" {
  const seen = new Set<string>();
  const queue = [...from.needs];
  let unsure = opaque.has(from.stepId);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = graph.byId.get(id);
    if (!node) continue;
    if (opaque.has(node.stepId)) unsure = true;
    for (const n of node.needs) queue.push(n);
  }
  return unsure ? "unknown" : false;
}

/** Where `root.name` (or `root["name"]`) is written in an expression, for the error column. */
function refOffset(expr: string, root: string, name: string): { text: string; offset: number } {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const dotted = new RegExp(`\\b${root}\\s*(\\.\\s*${n}\\b|\\[\\s*["']${n}["'])`).exec(expr);
  return { text: expr, offset: dotted?.index ?? 0 };
}

/** Is this template a shell step's `params.command` (whose values must stay data)? */
function isShellCommand(node: GraphNode, source: NodeExpression): boolean {
  const [last, prev] = [source.path[source.path.length - 1], source.path[source.path.length - 2]];
  if (last !== "command" || prev !== "params") return false;
  const step = source.inTemplate && node.step.type === "foreach" ? node.step.step : node.step;
  return step.type === "shell";
}

/**
 * Points `locate` at an offset of a multi-line command: by the text of its line, which a block scalar (`command: |`) holds verbatim, unlike the whole value.
 */
function lineWithin(text: string, offset: number): { text: string; offset: number } {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const end = text.indexOf("\n", offset);
  return { text: text.slice(start, end < 0 ? text.length : end), offset: offset - start };
}

const MAX_LISTED = 12;
const listIds = (ids: readonly string[]): string => (ids.length > MAX_LISTED ? `${ids.slice(0, MAX_LISTED).join(", ")}, ...` : ids.join(", "));

/**
 * Semantic validation after the schema: ids, needs, cycles, expressions and their references.
 * Returns every issue found (not only the first), each positioned through `locate`.
 */
export function validateWorkflow(definition: WorkflowDefinition, locate: Locate = noSource, file?: string): WorkflowIssue[] {
  return checkDefinition(definition, locate, file, {});
}

function checkDefinition(definition: WorkflowDefinition, locate: Locate, file: string | undefined, options: CheckOptions): WorkflowIssue[] {
  const placeholders = options.placeholders ?? new Set<string>();
  const opaque = options.opaque ?? new Set<string>();
  const issues: WorkflowIssue[] = [];
  const report = (code: WorkflowIssueCode, path: Path, message: string, within?: { text: string; offset: number }): void => {
    const pos = locate(path, within ? { within } : undefined);
    issues.push({ ...(file !== undefined ? { file } : {}), line: pos.line, col: pos.col, path: formatPath(path), message, code });
  };
  const who = (id: string): string => (placeholders.has(id) ? `the step at ${id}` : `step "${id}"`);

  // 1. Ids are unique across the whole tree (nested control steps included).
  const steps = allSteps(definition.steps);
  const firstPath = new Map<string, Path>();
  for (const { step, path } of steps) {
    if (placeholders.has(step.id)) continue;
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
      if (placeholders.has(need)) return;
      if (need === step.id) {
        report("self_dependency", [...path, "needs", j], `${who(step.id)} needs itself: remove "${need}" from its needs`);
      } else if (!firstPath.has(need)) {
        const hit = didYouMean(need, ids);
        report(
          "unknown_dependency",
          [...path, "needs", j],
          `${who(step.id)} needs unknown step "${need}"${hit ? ` (did you mean "${hit}"?): rename it to "${hit}"` : `: remove it from needs or use an existing id${ids.length ? ` (${listIds(ids)})` : ""}`}`,
        );
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
    const at = (o: number): { text: string; offset: number } => ({ text: expr, offset: offset + o });
    const analyzed = analyzeExpression(expr);
    if (!analyzed.ok) {
      const type = analyzed.error.code === "type";
      const hint = analyzed.error.code === "too_long"
        ? "shorten it or move the logic into a step"
        : type
          ? "fix the operand types (e.g. compare strings with strings; use int() or string() to convert)"
          : "fix the CEL syntax, e.g. steps.build.status == \"succeeded\"";
      report(type ? "expression_type" : "expression_syntax", source.path, `invalid expression "${expr}": ${analyzed.error.message}; ${hint}`, at(analyzed.error.offset ?? 0));
      return;
    }
    let refsOk = true;
    for (const ref of analyzed.refs.steps) {
      if (!firstPath.has(ref)) {
        refsOk = false;
        const hit = didYouMean(ref, ids);
        report(
          "unknown_reference",
          source.path,
          `expression references unknown step "${ref}"${hit ? ` (did you mean "${hit}"?): rename it to steps.${hit}` : `: use the id of an existing step${ids.length ? ` (${listIds(ids)})` : ""}`}`,
          refOffset(expr, "steps", ref),
        );
        continue;
      }
      if (!node || source.retryIf) continue;
      const refAt = refOffset(expr, "steps", ref);
      if (ref === node.stepId) {
        report("reference_not_upstream", source.path, `${who(node.stepId)} reads steps.${ref}, its own result, which does not exist yet: remove the reference`, refAt);
        continue;
      }
      const isUp = upstream(graph, node, ref, opaque);
      if (isUp !== false) continue;
      const refNode = graph.byId.get(ref);
      const downstream = refNode !== undefined && upstream(graph, refNode, node.id, opaque) === true;
      report(
        "reference_not_upstream",
        source.path,
        downstream
          ? `${who(node.stepId)} reads steps.${ref}, but "${ref}" runs after it (it depends on ${who(node.stepId)}): move the expression to a step that needs "${ref}", or remove the reference`
          : `${who(node.stepId)} reads steps.${ref}, but "${ref}" is not upstream of it: add "${ref}" to its needs`,
        refAt,
      );
    }
    if (refsOk && analyzed.refs.steps.size > 0) {
      const typeError = stepTypeError(expr);
      if (typeError) {
        report("expression_type", source.path, `invalid expression "${expr}": ${typeError.message}; a step result has status (string), output and attempt (int): fix the operand types`, at(typeError.offset));
      }
    }
    for (const ref of analyzed.refs.inputs) {
      if (!inputNames.includes(ref)) report("unknown_reference", source.path, `unknown input "${ref}"${suggestion(ref, inputNames)}: declare it under inputs${inputNames.length ? ` or use one of ${listIds(inputNames)}` : ""}`, refOffset(expr, "inputs", ref));
    }
    for (const ref of analyzed.refs.variables) {
      if (!variableNames.includes(ref)) report("unknown_reference", source.path, `unknown variable "${ref}"${suggestion(ref, variableNames)}: declare it under variables${variableNames.length ? ` or use one of ${listIds(variableNames)}` : ""}`, refOffset(expr, "variables", ref));
    }
  };
  const checkSource = (source: NodeExpression, node: GraphNode | undefined): void => {
    if (source.kind === "cel") {
      checkExpr(source.text, 0, source, node);
      return;
    }
    const parsed = parseTemplate(source.text);
    if (!parsed.ok) {
      const nested = parsed.message.startsWith("'{{' cannot be nested");
      report("expression_syntax", source.path, `invalid template: ${parsed.message}${nested ? ": close the first '{{ }}' before opening another" : ""}`, { text: source.text, offset: parsed.offset });
      return;
    }
    for (const segment of parsed.segments) if (segment.kind === "expr") checkExpr(segment.expr, 0, source, node);
    if (node && isShellCommand(node, source)) {
      const rewrite = rewriteShellCommand(source.text);
      if (!rewrite.ok) report("shell_template", source.path, rewrite.message, lineWithin(source.text, rewrite.offset));
    }
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
      report("invalid_input", ["inputs", name, "default"], `default of input "${name}" is ${actual} ${JSON.stringify(spec.default)}, but its type is ${spec.type}: change the default to a ${spec.type} or the type to ${actual}`);
    } else if (spec.enum && !spec.enum.some((e) => e === spec.default)) {
      report("invalid_input", ["inputs", name, "default"], `default of input "${name}" is not one of its enum values: set it to one of ${spec.enum.join(", ")}`);
    }
  }

  // 6. Gate forms: unique field names, select fields with options, defaults that fit, and (on a
  //    standalone approval step, whose output is { approved, by, comment, ...values }) no field
  //    shadowing those three.
  for (const { step, path } of steps) {
    const form = step.approval?.form;
    if (!form) continue;
    const seen = new Set<string>();
    form.forEach((f, j) => {
      const at: Path = [...path, "approval", "form", j];
      if (seen.has(f.name)) report("invalid_value", [...at, "name"], `duplicate form field "${f.name}": rename one of them`);
      seen.add(f.name);
      if (step.type === "approval" && RESERVED_FORM_FIELDS.includes(f.name)) {
        report("invalid_value", [...at, "name"], `form field "${f.name}" would hide the gate's own "${f.name}" in the step's output: rename it`);
      }
      if (f.type === "select" && (f.options ?? []).length === 0) report("invalid_value", at, `select field "${f.name}" needs options: add options: [a, b]`);
      if (f.type !== "select" && f.options !== undefined) report("invalid_value", [...at, "options"], `field "${f.name}" is ${f.type}, and options apply to select fields only: remove them or set type: select`);
      if (f.default !== undefined) {
        const check = validateForm([{ ...f, required: false }], { [f.name]: f.default });
        if (!check.ok) report("invalid_value", [...at, "default"], `default of form field ${check.message}: change the default`);
      }
    });
  }

  // 7. What a gate lets approvers change (approval.editable): existing steps, the gated one or the
  //    ones that need it, params its type has, never a shell step's code.
  const byId = new Map(steps.map(({ step }) => [step.id, { id: step.id, type: step.type, needs: step.needs ?? [] }]));
  for (const { step, path } of steps) {
    const editable = step.approval?.editable;
    if (!editable) continue;
    for (const bad of checkEditable({ id: step.id, type: step.type, needs: step.needs ?? [] }, editable, byId)) {
      report("invalid_value", [...path, "approval", "editable", bad.index], bad.message);
    }
  }
  return issues;
}

/** Keys of a standalone approval step's output that form fields may not take. */
const RESERVED_FORM_FIELDS: readonly string[] = ["approved", "by", "comment"];

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => v !== null && typeof v === "object" && !Array.isArray(v);
const CONTROL_TYPES = new Set(["parallel", "conditional", "foreach"]);
const KNOWN_TYPES = new Set<string>(STEP_TYPES);

/**
 * Rebuilds, from raw parsed YAML, just what the graph checks read (ids, needs, types, nesting,
 * expressions, inputs) and skips what cannot be interpreted:
 * - a step without a usable id gets a placeholder id (its path, e.g. `steps[2]`): it still takes
 *   part in cycles and nesting but is never reported as duplicate nor suggested;
 * - a step without a known type is a leaf, or a control step when it has `steps`/`then`/`items`;
 * - unreadable `needs` make the step opaque (no "not upstream" verdicts through it);
 * - a non-string `if`/`items` is left to the schema errors.
 */
function normalizeRaw(data: unknown): { definition: WorkflowDefinition; placeholders: Set<string>; opaque: Set<string> } {
  const placeholders = new Set<string>();
  const opaque = new Set<string>();
  const root = isRecord(data) ? data : {};

  const expressionParts = (s: Raw, out: Raw): void => {
    if (typeof s["if"] === "string") out["if"] = s["if"];
    const retries = s["retries"];
    if (isRecord(retries) && typeof retries["retry_if"] === "string") out["retries"] = { retry_if: retries["retry_if"] };
    if (s["params"] !== undefined) out["params"] = s["params"];
    const approval = s["approval"];
    if (isRecord(approval) && typeof approval["message"] === "string") out["approval"] = { message: approval["message"] };
  };

  const step = (item: unknown, path: Path): StepDefinition => {
    const s = isRecord(item) ? item : {};
    const rawId = s["id"];
    let id: string;
    if (typeof rawId === "string" && rawId !== "") id = rawId;
    else if (typeof rawId === "number" && Number.isFinite(rawId)) id = String(rawId);
    else {
      id = formatPath(path);
      placeholders.add(id);
    }
    const out: Raw = { id };
    const needs = s["needs"];
    if (Array.isArray(needs)) {
      out["needs"] = needs.map((n: unknown, j) => {
        if (typeof n === "string") return n;
        if (typeof n === "number" && Number.isFinite(n)) return String(n);
        opaque.add(id);
        const hole = formatPath([...path, "needs", j]);
        placeholders.add(hole);
        return hole;
      });
    } else if (typeof needs === "string") out["needs"] = [needs];
    else if (needs !== undefined) opaque.add(id);
    expressionParts(s, out);

    const declared = typeof s["type"] === "string" && KNOWN_TYPES.has(s["type"]) ? s["type"] : undefined;
    let type: string;
    if (declared && CONTROL_TYPES.has(declared)) type = declared;
    else if (Array.isArray(s["steps"])) type = "parallel";
    else if (Array.isArray(s["then"]) || Array.isArray(s["else"])) type = "conditional";
    else if (declared) type = declared;
    else if (s["items"] !== undefined || isRecord(s["step"])) type = "foreach";
    else type = "noop";
    out["type"] = type;

    const list = (key: string): StepDefinition[] => {
      const value = s[key];
      return Array.isArray(value) ? value.map((child: unknown, i) => step(child, [...path, key, i])) : [];
    };
    if (type === "parallel") {
      out["steps"] = list("steps");
      out["wait_for"] = s["wait_for"] === "any" ? "any" : "all";
    } else if (type === "conditional") {
      if (typeof out["if"] !== "string") out["if"] = "true"; // missing condition: a schema error already
      out["then"] = list("then");
      if (Array.isArray(s["else"])) out["else"] = list("else");
    } else if (type === "foreach") {
      out["items"] = typeof s["items"] === "string" ? s["items"] : "[]"; // missing items: a schema error already
      const template = s["step"];
      const t: Raw = { type: "noop" };
      if (isRecord(template)) expressionParts(template, t);
      out["step"] = t;
    }
    // The shape above is exactly what buildGraph and the checks read of a StepDefinition.
    return out as unknown as StepDefinition;
  };

  const rawSteps = root["steps"];
  const steps = Array.isArray(rawSteps) ? rawSteps.map((item: unknown, i) => step(item, ["steps", i])) : [];

  const inputs: Raw = {};
  if (isRecord(root["inputs"])) {
    for (const [name, spec] of Object.entries(root["inputs"])) {
      const s = isRecord(spec) ? spec : {};
      const type = s["type"] === undefined ? "string" : ZInputType.safeParse(s["type"]).data;
      const enumValues = Array.isArray(s["enum"]) ? s["enum"] : undefined;
      // An input with an unreadable type keeps its name (for references) but its default is not checked.
      inputs[name] = type !== undefined ? { type, default: s["default"], ...(enumValues ? { enum: enumValues } : {}) } : { type: "string" };
    }
  }
  const variables = isRecord(root["variables"]) ? root["variables"] : {};
  const outputs: Record<string, string> = {};
  if (isRecord(root["outputs"])) {
    for (const [name, value] of Object.entries(root["outputs"])) if (typeof value === "string" && value !== "") outputs[name] = value;
  }
  const definition = { name: "", steps, inputs, variables, outputs } as unknown as WorkflowDefinition;
  return { definition, placeholders, opaque };
}

/**
 * The graph checks (ids, needs, cycles, expressions and their references, input defaults) on raw
 * data, for files whose schema validation failed: a file with a typo in one field still gets its
 * cycles and bad references reported in the same pass. What cannot be interpreted is skipped.
 */
export function validateRawSteps(data: unknown, locate: Locate = noSource, file?: string): WorkflowIssue[] {
  const { definition, placeholders, opaque } = normalizeRaw(data);
  return checkDefinition(definition, locate, file, { placeholders, opaque });
}
