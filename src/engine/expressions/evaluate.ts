import type { Json } from "../json";
import { MAX_EXPRESSION_LENGTH, parseCached } from "./cel-environment";
import { ExpressionMeter } from "./expression-meter";
import { withMeter } from "./instrument-ast";

/** Names and values an expression can see. Missing names evaluate as empty maps/null. */
export interface ExpressionContext {
  inputs?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  /** `steps.<id>.status|output|attempt` of the steps the expression references. */
  steps?: Record<string, { status: string; output?: unknown; attempt: number }>;
  run?: { id: string; started_by?: string; [key: string]: unknown };
  secrets?: Record<string, string>;
  item?: unknown;
  index?: number;
  error?: Record<string, unknown>;
  attempt?: number;
  output?: unknown;
}

/** A failed parse, type check or evaluation. Never thrown by evaluate(): returned. */
export interface ExpressionError {
  code: "parse" | "type" | "evaluation" | "too_long" | "not_json" | "budget";
  message: string;
  /** 0-based character offset in the expression, when known. */
  offset?: number;
}

/** A step failure's code for an expression error: running out of budget is told apart. */
export const expressionCode = (error: ExpressionError): "expression" | "expression_budget" => (error.code === "budget" ? "expression_budget" : "expression");

export type EvaluateResult = { ok: true; value: Json } | { ok: false; error: ExpressionError };

/**
 * Converts JS values into CEL values: whole numbers become int (so `inputs.n + 1` type-checks),
 * objects are copied into null-prototype maps so no inherited property (constructor, __proto__)
 * is ever reachable, and functions or class instances are dropped.
 */
export function toCel(value: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "number":
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "object": {
      if (Array.isArray(value)) return value.map((v) => toCel(v, depth + 1));
      if (value instanceof Date) return value;
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(value)) {
        out[key] = toCel((value as Record<string, unknown>)[key], depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** Converts a CEL result back into JSON; returns undefined for values JSON cannot hold. */
export function fromCel(value: unknown, depth = 0): Json | undefined {
  if (depth > 64) return undefined;
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "bigint":
      return Number(value);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "string":
    case "boolean":
      return value;
    case "object": {
      if (Array.isArray(value)) {
        const out: Json[] = [];
        for (const v of value) {
          const j = fromCel(v, depth + 1);
          if (j === undefined) return undefined;
          out.push(j);
        }
        return out;
      }
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Uint8Array) return new TextDecoder().decode(value);
      const entries: Iterable<[unknown, unknown]> =
        value instanceof Map ? value.entries() : Object.entries(value as Record<string, unknown>);
      const out: { [key: string]: Json } = {};
      for (const [k, v] of entries) {
        const j = fromCel(v, depth + 1);
        if (j === undefined) return undefined;
        out[String(k)] = j;
      }
      return out;
    }
    default:
      return undefined;
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

function celError(err: unknown, fallback: ExpressionError["code"]): ExpressionError {
  if (err instanceof Error) {
    const code: ExpressionError["code"] =
      err.name === "ParseError" ? "parse" : err.name === "TypeError" ? "type" : fallback;
    const range = (err as { range?: { start: number } }).range;
    return { code, message: firstLine(err.message), ...(range ? { offset: range.start } : {}) };
  }
  return { code: fallback, message: String(err) };
}

/** Builds the CEL activation: every declared variable is present, so a missing one is null, not an error. */
export function celActivation(context: ExpressionContext): Record<string, unknown> {
  return {
    inputs: toCel(context.inputs ?? {}),
    variables: toCel(context.variables ?? {}),
    steps: toCel(context.steps ?? {}),
    run: toCel(context.run ?? {}),
    secrets: toCel(context.secrets ?? {}),
    item: toCel(context.item),
    index: BigInt(context.index ?? 0),
    error: toCel(context.error ?? {}),
    attempt: BigInt(context.attempt ?? 0),
    output: toCel(context.output),
  };
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function budgetError(expression: string, meter: ExpressionMeter): ExpressionError {
  const why = meter.reason ? `: ${meter.reason}` : "";
  return {
    code: "budget",
    message: `evaluation budget exceeded: expressions of one event may run ${meter.budgetMs} ms (EXPRESSION_BUDGET_MS)${why}; stopped ${JSON.stringify(shorten(expression))} after ${meter.steps} steps. Iterate over fewer items or simplify the expression`,
  };
}

/**
 * Evaluates a CEL expression (no `{{ }}`) against a context. Sandboxed: CEL has no access to JS
 * globals, prototypes or functions; every failure comes back as a structured error, never a throw.
 * `meter` bounds the work (shared by the expressions of one decision); without one a fresh meter
 * with the default budget (virtual time) bounds this expression alone.
 */
export function evaluate(expression: string, context: ExpressionContext, meter: ExpressionMeter = new ExpressionMeter()): EvaluateResult {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: { code: "too_long", message: `expression longer than ${MAX_EXPRESSION_LENGTH} characters` } };
  }
  let parsed;
  try {
    parsed = parseCached(expression);
  } catch (err) {
    return { ok: false, error: celError(err, "parse") };
  }
  if (meter.exhausted) return { ok: false, error: budgetError(expression, meter) };
  let raw: unknown;
  try {
    raw = withMeter(meter, () => parsed(celActivation(context)));
  } catch (err) {
    if (meter.exhausted) return { ok: false, error: budgetError(expression, meter) };
    return { ok: false, error: celError(err, "evaluation") };
  }
  // An error swallowed by CEL's error absorption (`true || e`) still ends the expression.
  if (meter.exhausted) return { ok: false, error: budgetError(expression, meter) };
  if (raw instanceof Promise) {
    return { ok: false, error: { code: "evaluation", message: "asynchronous expressions are not supported" } };
  }
  const value = fromCel(raw);
  if (value === undefined) return { ok: false, error: { code: "not_json", message: "expression result is not JSON" } };
  return { ok: true, value };
}

/** Evaluates a condition: the result must be a boolean (CEL `if:` semantics, no truthiness). */
export function evaluateCondition(expression: string, context: ExpressionContext, meter?: ExpressionMeter): { ok: true; value: boolean } | { ok: false; error: ExpressionError } {
  const result = evaluate(expression, context, meter);
  if (!result.ok) return result;
  if (typeof result.value !== "boolean") {
    return { ok: false, error: { code: "type", message: `condition must be true or false, got ${JSON.stringify(result.value)}` } };
  }
  return { ok: true, value: result.value };
}
