import type { ExpressionMeter } from "./expression-meter";
import { re2Matches } from "./re2-matches";

/**
 * Puts the meter into every node of a parsed CEL expression, once per parse (parses are cached).
 *
 * cel-js has no cost hook, so this wraps each AST node's `evaluate`: the evaluator calls
 * `node.evaluate(ev, node, ctx)` for every node it runs, comprehension steps (the body of `all()`,
 * `map()`, …) included, so counting there counts the whole work of an expression. This depends on
 * cel-js 8 internals (`ASTNode.meta.{evaluate,alternate,macro}`); expression-meter.test.ts fails if
 * an upgrade changes them (a hostile expression would then run to its end).
 *
 * The wrapper also
 * - refuses values an expression builds too large to be cheap (a string of over MAX_VALUE_LENGTH
 *   characters, a list of over MAX_LIST_LENGTH elements: `cel.bind` doubles a string per AST node;
 *   values it only reads are bounded by the input and output limits), and charges large values so
 *   the clock is read at once (a scan of a big list costs one node);
 * - runs `string.matches(pattern)` with RE2 (linear time) instead of cel-js's JavaScript RegExp.
 */

/** @default 4 Mi characters: the longest string an expression may build. */
export const MAX_VALUE_LENGTH = 4 * 1024 * 1024;
/** @default 1 Mi elements: the longest list an expression may build. */
export const MAX_LIST_LENGTH = 1024 * 1024;
/** Values from this size on are charged per element (and so make the meter read the clock). */
const CHARGE_FROM = 1024;

type EvalFn = (ev: Evaluator, ast: unknown, ctx: unknown) => unknown;
interface Evaluator {
  run(ast: InternalNode, ctx: unknown): unknown;
}
interface InternalNode {
  op: string;
  args: unknown;
  readonly meta: { evaluate: EvalFn; alternate?: InternalNode; macro?: { evaluate: EvalFn } };
  evaluate: EvalFn;
}

/** The meter of the evaluation in progress (evaluation is synchronous: one at a time). */
let active: ExpressionMeter | undefined;

/** Runs `fn` (one synchronous evaluation) with `meter` counting every node it evaluates. */
export function withMeter<T>(meter: ExpressionMeter | undefined, fn: () => T): T {
  const previous = active;
  active = meter;
  meter?.begin();
  try {
    return fn();
  } finally {
    meter?.end();
    active = previous;
  }
}

class ValueTooLargeError extends Error {
  override name = "EvaluationError";
}

function isNode(value: unknown): value is InternalNode {
  return typeof value === "object" && value !== null && typeof (value as { op?: unknown }).op === "string" && "meta" in value && typeof (value as { evaluate?: unknown }).evaluate === "function";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Nodes that read a value (a variable, a field, an element, a literal) rather than build one. */
const READS = new Set(["id", "value", ".", ".?", "[]", "[?]"]);

/** Charges a large value; refuses one the expression built (`reads`: it only read it) past the limits. */
function sizeCheck(value: unknown, meter: ExpressionMeter, reads: boolean): void {
  if (typeof value === "string") {
    if (!reads && value.length > MAX_VALUE_LENGTH) throw new ValueTooLargeError(`a string of ${value.length} characters is longer than expressions may build (${MAX_VALUE_LENGTH})`);
    if (value.length >= CHARGE_FROM) meter.charge(value.length);
  } else if (Array.isArray(value)) {
    if (!reads && value.length > MAX_LIST_LENGTH) throw new ValueTooLargeError(`a list of ${value.length} elements is longer than expressions may build (${MAX_LIST_LENGTH})`);
    if (value.length >= CHARGE_FROM) meter.charge(value.length);
  }
}

/**
 * How cel-js evaluates a node (ASTNode.prototype.evaluate), resolved at its first evaluation: by
 * then the type check (which sets `meta`) has run, and cel-js never changes `meta` after it.
 */
function innerOf(node: InternalNode): EvalFn {
  const meta = node.meta;
  const alternate = meta.alternate;
  if (alternate) return (ev, _ast, ctx) => alternate.evaluate(ev, alternate, ctx);
  const macro = meta.macro;
  if (macro) return (ev, _ast, ctx) => macro.evaluate(ev, macro, ctx);
  return meta.evaluate.bind(node);
}

function matchesCall(node: InternalNode): [InternalNode, InternalNode] | undefined {
  if (node.op !== "rcall" || !Array.isArray(node.args)) return undefined;
  const [name, receiver, args] = node.args as [unknown, unknown, unknown];
  if (name !== "matches" || !isNode(receiver) || !Array.isArray(args) || args.length !== 1 || !isNode(args[0])) return undefined;
  return [receiver, args[0]];
}

function wrap(node: InternalNode): void {
  const matches = matchesCall(node);
  if (matches) {
    const [receiver, pattern] = matches;
    node.evaluate = (ev, _ast, ctx) => {
      const meter = active;
      meter?.tick();
      const subject = ev.run(receiver, ctx);
      const re = ev.run(pattern, ctx);
      if (typeof subject !== "string" || typeof re !== "string") {
        throw new ValueTooLargeError(`found no matching overload for matches(): it takes a string and a string pattern`);
      }
      return re2Matches(subject, re, meter);
    };
    return;
  }
  let inner: EvalFn | undefined;
  const reads = READS.has(node.op);
  node.evaluate = (ev, ast, ctx) => {
    inner ??= innerOf(node);
    const meter = active;
    if (meter === undefined) return inner(ev, ast, ctx);
    meter.tick();
    const value = inner(ev, ast, ctx);
    if (typeof value === "string" || Array.isArray(value)) sizeCheck(value, meter, reads);
    return value;
  };
}

/** Instruments every node reachable from `root` (macro expansions included). Idempotent per tree. */
export function instrumentAst(root: unknown): void {
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    if (isNode(value)) {
      wrap(value);
      stack.push(value.args, value.meta.alternate, value.meta.macro);
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (isPlainObject(value)) {
      for (const item of Object.values(value)) stack.push(item);
    }
  }
}
