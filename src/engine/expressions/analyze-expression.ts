import type { ASTNode } from "@marcbachmann/cel-js";
import { celEnvironment, MAX_EXPRESSION_LENGTH } from "./cel-environment";
import type { ExpressionError } from "./evaluate";
import { compilePattern } from "./re2-matches";

/** What an expression reads: used by validation (upstream check) and by the plan (what to load). */
export interface ExpressionReferences {
  steps: Set<string>;
  inputs: Set<string>;
  variables: Set<string>;
  secrets: Set<string>;
}

export type AnalyzeResult = { ok: true; refs: ExpressionReferences } | { ok: false; error: ExpressionError };

function isNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && "op" in value && "args" in value;
}

function rootField(node: ASTNode): [string, string] | undefined {
  if (node.op === ".") {
    const [target, field] = node.args;
    if (target.op === "id") return [target.args, field];
  }
  if (node.op === "[]") {
    const [target, key] = node.args;
    if (target.op === "id" && key.op === "value" && typeof key.args === "string") return [target.args, key.args];
  }
  return undefined;
}

/** A literal `matches()` pattern RE2 cannot compile, found at load time rather than at run time. */
function badPattern(node: ASTNode): ExpressionError | undefined {
  if (node.op !== "rcall" || node.args[0] !== "matches") return undefined;
  const pattern = node.args[2][0];
  if (pattern?.op !== "value" || typeof pattern.args !== "string") return undefined;
  try {
    compilePattern(pattern.args);
    return undefined;
  } catch (err) {
    return { code: "type", message: err instanceof Error ? err.message : String(err), offset: pattern.start };
  }
}

function collect(node: ASTNode, refs: ExpressionReferences, problems: ExpressionError[]): void {
  const bad = badPattern(node);
  if (bad) problems.push(bad);
  const root = rootField(node);
  if (root) {
    const [name, field] = root;
    if (name === "steps") refs.steps.add(field);
    else if (name === "inputs") refs.inputs.add(field);
    else if (name === "variables") refs.variables.add(field);
    else if (name === "secrets") refs.secrets.add(field);
  }
  const visit = (v: unknown): void => {
    if (isNode(v)) collect(v, refs, problems);
    else if (Array.isArray(v)) for (const item of v) visit(item);
  };
  visit(node.args);
}

/** Parses and type-checks an expression and lists what it references. */
export function analyzeExpression(expression: string): AnalyzeResult {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: { code: "too_long", message: `expression longer than ${MAX_EXPRESSION_LENGTH} characters` } };
  }
  let ast: ASTNode;
  try {
    const parsed = celEnvironment.parse(expression);
    const checked = parsed.check();
    if (!checked.valid) {
      const err = checked.error;
      return {
        ok: false,
        error: {
          code: err?.name === "ParseError" ? "parse" : "type",
          message: (err?.message ?? "invalid expression").split("\n")[0] ?? "invalid expression",
          ...(err?.range ? { offset: err.range.start } : {}),
        },
      };
    }
    ast = parsed.ast;
  } catch (err) {
    const message = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
    const range = err instanceof Error ? (err as { range?: { start: number } }).range : undefined;
    return { ok: false, error: { code: "parse", message, ...(range ? { offset: range.start } : {}) } };
  }
  const refs: ExpressionReferences = { steps: new Set(), inputs: new Set(), variables: new Set(), secrets: new Set() };
  const problems: ExpressionError[] = [];
  collect(ast, refs, problems);
  const [first] = problems;
  if (first) return { ok: false, error: first };
  return { ok: true, refs };
}
