import { Environment, type ParseResult } from "@marcbachmann/cel-js";
import { instrumentAst } from "./instrument-ast";

/**
 * The one CEL environment of the engine. Every top-level name is declared, so a typo such as
 * `step.build` is a type error at validation time instead of a surprise at run time.
 * Limits bound the AST so a hostile expression cannot exhaust memory or the stack.
 */
export const EXPRESSION_VARIABLES = [
  "inputs",
  "variables",
  "steps",
  "run",
  "secrets",
  "item",
  "index",
  "error",
  "attempt",
  "output",
] as const;
export type ExpressionVariable = (typeof EXPRESSION_VARIABLES)[number];

/** @default 10_000 characters: longer expressions are rejected before parsing. */
export const MAX_EXPRESSION_LENGTH = 10_000;

function buildEnvironment(): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
    limits: { maxAstNodes: 5_000, maxDepth: 64, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 16 },
  });
  for (const name of EXPRESSION_VARIABLES) {
    env.registerVariable(name, name === "item" || name === "output" ? "dyn" : name === "index" || name === "attempt" ? "int" : "map");
  }
  return env;
}

export const celEnvironment = buildEnvironment();

/*
 * Parsed expressions are cached: the same `if:` is evaluated for every run of a workflow version.
 * The cache is bounded so user-supplied text cannot grow it without limit. Only parses from here
 * are metered: evaluate() must never run an expression parsed elsewhere.
 */
const cache = new Map<string, ParseResult>();
const CACHE_LIMIT = 5_000;

export function parseCached(expression: string): ParseResult {
  const hit = cache.get(expression);
  if (hit) return hit;
  const parsed = celEnvironment.parse(expression);
  // Every node counts toward the evaluation budget; matches() runs on RE2 (instrument-ast.ts).
  instrumentAst(parsed.ast);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expression, parsed);
  return parsed;
}
