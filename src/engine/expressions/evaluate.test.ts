import { describe, expect, it } from "vitest";
import { evaluate, evaluateCondition } from "./evaluate";
import { redact } from "./redact";
import { renderTemplate, renderValue } from "./render-template";

const ctx = {
  inputs: { service: "api", replicas: 3, tags: ["a", "b"] },
  steps: { qa: { status: "succeeded", output: { status: "pass", report: { failed: 0 } }, attempt: 1 } },
  run: { id: "r1", started_by: "ann" },
  secrets: { TOKEN: "s3cr3t-value" },
};

describe("evaluate", () => {
  it("reads the documented context", () => {
    expect(evaluate('steps.qa.output.status == "pass"', ctx)).toEqual({ ok: true, value: true });
    expect(evaluate("inputs.replicas + 1", ctx)).toEqual({ ok: true, value: 4 });
    expect(evaluate("run.started_by", ctx)).toEqual({ ok: true, value: "ann" });
    expect(evaluateCondition("inputs.replicas", ctx)).toMatchObject({ ok: false, error: { code: "type" } });
  });

  it.each([
    "constructor.constructor('return process')()",
    "inputs.constructor.constructor('return process')()",
    "inputs.__proto__",
    'inputs["__proto__"]',
    "inputs.toString",
    "this",
    "globalThis",
    "process.exit()",
    "${process.exit()}",
    "`${process.exit()}`",
    "require('child_process')",
    "[].constructor",
    '"".constructor.prototype',
    "inputs.__proto__.polluted == 1",
  ])("rejects %s with a structured error, touching nothing", (payload) => {
    const result = evaluate(payload, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(["parse", "type", "evaluation"]).toContain(result.error.code);
      expect(typeof result.error.message).toBe("string");
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("cannot pollute prototypes through context keys", () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as Record<string, unknown>;
    expect(evaluate("inputs.a", { inputs: hostile })).toEqual({ ok: true, value: 1 });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("rejects oversized and deeply nested expressions", () => {
    expect(evaluate("1 + ".repeat(5000) + "1", ctx).ok).toBe(false);
    expect(evaluate("(".repeat(500) + "1" + ")".repeat(500), ctx).ok).toBe(false);
  });
});

describe("renderTemplate", () => {
  it("keeps the type of a whole-string template and interpolates mixed text", () => {
    expect(renderTemplate("{{ inputs.replicas }}", ctx)).toEqual({ ok: true, value: 3, secrets: [] });
    expect(renderTemplate("{{ steps.qa.output.report }}", ctx)).toMatchObject({ value: { failed: 0 } });
    expect(renderTemplate("deploy {{ inputs.service }} x{{ inputs.replicas }} {{ inputs.tags }}", ctx)).toMatchObject({
      value: 'deploy api x3 ["a","b"]',
    });
  });

  it("treats template-literal syntax as text, not code", () => {
    expect(renderTemplate("${process.exit()} `whoami`", ctx)).toEqual({ ok: true, value: "${process.exit()} `whoami`", secrets: [] });
    expect(renderTemplate("{{ `${process.exit()}` }}", ctx)).toMatchObject({ ok: false, error: { code: "parse" } });
  });

  it("tracks secrets so callers can redact", () => {
    const r = renderValue({ headers: { Authorization: "Bearer {{ secrets.TOKEN }}" }, n: 1 }, ctx);
    expect(r).toEqual({ ok: true, value: { headers: { Authorization: "Bearer s3cr3t-value" }, n: 1 }, secrets: ["s3cr3t-value"] });
    if (r.ok) expect(redact(`sent ${JSON.stringify(r.value)}`, r.secrets)).toBe('sent {"headers":{"Authorization":"Bearer ***"},"n":1}');
  });

  it("reports unclosed templates and missing keys as structured errors", () => {
    expect(renderTemplate("{{ inputs.service", ctx)).toMatchObject({ ok: false, error: { code: "parse" } });
    expect(renderTemplate("{{ steps.qa.output.nope }}", ctx)).toMatchObject({ ok: false, error: { code: "evaluation" } });
  });
});
