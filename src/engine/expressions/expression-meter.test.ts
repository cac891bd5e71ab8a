/* eslint-disable no-restricted-globals -- this test measures wall time: performance.now is the clock the server passes to the engine */
import { describe, expect, it } from "vitest";
import { analyzeExpression } from "./analyze-expression";
import { evaluate } from "./evaluate";
import { ExpressionMeter } from "./expression-meter";

/*
 * Wall-clock bounds here are loose (300 ms against a 50 ms budget) because the machine may be
 * shared; without the budget these expressions run for minutes.
 */

/** Hostile expressions of issue 13 #6 (each stalled the server for seconds before the budget). */
const items = Array.from({ length: 600 }, (_, i) => i);
const NESTED_ALL = "inputs.items.all(x, inputs.items.all(y, inputs.items.all(z, x + y + z >= 0)))";
const CATASTROPHIC = "inputs.text.matches('(a+)+$')";
const catastrophicText = `${"a".repeat(4096)}b`;

const realMeter = (budgetMs = 50): ExpressionMeter => new ExpressionMeter({ budgetMs, now: () => performance.now() });

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

describe("expression budget", () => {
  it("stops a nested all() over 600 items near the budget, naming the expression", () => {
    const { value, ms } = timed(() => evaluate(NESTED_ALL, { inputs: { items } }, realMeter(50)));
    expect(value).toMatchObject({ ok: false, error: { code: "budget" } });
    if (!value.ok) {
      expect(value.error.message).toContain(NESTED_ALL);
      expect(value.error.message).toContain("50 ms (EXPRESSION_BUDGET_MS)");
    }
    // 600^3 = 216 million iterations: minutes without a budget.
    expect(ms).toBeLessThan(300);
  });

  it("is deterministic without a clock (virtual time counted from the work)", () => {
    const a = new ExpressionMeter();
    const b = new ExpressionMeter();
    expect(evaluate(NESTED_ALL, { inputs: { items } }, a)).toMatchObject({ ok: false, error: { code: "budget" } });
    expect(evaluate(NESTED_ALL, { inputs: { items } }, b)).toMatchObject({ ok: false, error: { code: "budget" } });
    expect(a.steps).toBeGreaterThan(0);
    expect(a.steps).toBe(b.steps);
  });

  it("counts every node (the hook into cel-js still works)", () => {
    const meter = realMeter();
    expect(evaluate("inputs.items.all(x, x >= 0)", { inputs: { items } }, meter)).toEqual({ ok: true, value: true });
    // 600 iterations of a 3-node predicate plus the comprehension itself.
    expect(meter.steps).toBeGreaterThanOrEqual(600 * 3);
  });

  it("lets ordinary expressions through, also big but linear ones", () => {
    // (Virtual time: a wall clock on a loaded machine would make this about the machine.)
    expect(evaluate("inputs.items.all(x, inputs.items.exists(y, y == x))", { inputs: { items: items.slice(0, 200) } }, new ExpressionMeter())).toEqual({ ok: true, value: true });
    expect(evaluate('inputs.env == "prod" && size(inputs.items) == 600', { inputs: { env: "prod", items } }, realMeter())).toEqual({ ok: true, value: true });
  });

  it("shares one budget between the expressions of a decision", () => {
    const meter = realMeter(50);
    expect(evaluate(NESTED_ALL, { inputs: { items } }, meter)).toMatchObject({ ok: false, error: { code: "budget" } });
    // The decision already spent its budget: the next expensive expression stops at once.
    const { value, ms } = timed(() => evaluate("inputs.items.all(x, inputs.items.all(y, x >= 0))", { inputs: { items } }, meter));
    expect(value).toMatchObject({ ok: false, error: { code: "budget" } });
    expect(ms).toBeLessThan(20);
  });

  it("is not fooled by CEL's error absorption (`error || true`)", () => {
    const { value, ms } = timed(() => evaluate(`${NESTED_ALL} || true`, { inputs: { items } }, realMeter(50)));
    expect(value).toMatchObject({ ok: false, error: { code: "budget" } });
    expect(ms).toBeLessThan(300);
  });

  it("refuses strings an expression doubles past the value limit (cel.bind)", () => {
    const doubling = "cel.bind(a, inputs.s + inputs.s, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, cel.bind(e, d + d, cel.bind(f, e + e, f + f)))))).contains('b')";
    const { value, ms } = timed(() => evaluate(doubling, { inputs: { s: "a".repeat(65_536) } }, realMeter()));
    expect(value.ok).toBe(false);
    if (!value.ok) expect(value.error.message).toMatch(/longer than expressions may build/);
    expect(ms).toBeLessThan(300);
  });
});

describe("matches() runs on RE2 (linear time)", () => {
  it("answers a catastrophic pattern at once", () => {
    // JavaScript's RegExp backtracks exponentially here: 30 a's already take seconds.
    const { value, ms } = timed(() => evaluate(CATASTROPHIC, { inputs: { text: catastrophicText } }, realMeter()));
    expect(value).toEqual({ ok: true, value: false });
    expect(ms).toBeLessThan(50);
    expect(evaluate("inputs.text.matches('^a+b$')", { inputs: { text: catastrophicText } })).toEqual({ ok: true, value: true });
    expect(evaluate("'release/1.2'.matches('^release/[0-9.]+$')", {})).toEqual({ ok: true, value: true });
  });

  it("stops a loop of big matches at the budget, and both hostile kinds together", () => {
    const text = `${"a".repeat(65_536)}b`;
    const loop = `inputs.items.all(x, inputs.text.matches('(a|aa)+$') == false)`;
    const one = timed(() => evaluate(loop, { inputs: { items, text } }, realMeter(50)));
    expect(one.value).toMatchObject({ ok: false, error: { code: "budget" } });
    expect(one.ms).toBeLessThan(300);
    const both = timed(() => evaluate(`${loop} && ${NESTED_ALL}`, { inputs: { items, text } }, realMeter(50)));
    expect(both.value).toMatchObject({ ok: false, error: { code: "budget" } });
    expect(both.ms).toBeLessThan(300);
  });

  it("refuses up front a match whose worst case does not fit in the budget", () => {
    const meter = realMeter(5);
    const { value, ms } = timed(() => evaluate("inputs.text.matches('^([a-z]+[0-9]*)+$')", { inputs: { text: "a".repeat(1_000_000) } }, meter));
    expect(value).toMatchObject({ ok: false, error: { code: "budget" } });
    if (!value.ok) expect(value.error.message).toMatch(/matches\(\) over 1000000 characters could take up to \d+ ms/);
    expect(ms).toBeLessThan(20);
  });

  it("refuses patterns RE2 cannot run in linear time, at load time with the offset", () => {
    const run = evaluate("inputs.text.matches('(a)\\\\1')", { inputs: { text: "aa" } });
    expect(run).toMatchObject({ ok: false, error: { code: "evaluation" } });
    if (!run.ok) expect(run.error.message).toMatch(/not a valid RE2 regular expression.*backreferences/);
    const load = analyzeExpression("inputs.text.matches('(?=a)b')");
    expect(load).toMatchObject({ ok: false, error: { code: "type", offset: 20 } });
    if (!load.ok) expect(load.error.message).toContain("(?=");
    expect(analyzeExpression("inputs.text.matches('^v[0-9]+$')").ok).toBe(true);
  });

  it("keeps CEL's typing: a non-string receiver is an error, not a crash", () => {
    expect(evaluate("inputs.n.matches('1')", { inputs: { n: 1 } })).toMatchObject({ ok: false, error: { code: "evaluation" } });
  });
});
