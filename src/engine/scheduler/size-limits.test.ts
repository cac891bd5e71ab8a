import { describe, expect, it } from "vitest";
import { compilePlan } from "../graph/compile-plan";
import { InMemoryStore } from "../testing/in-memory-store";
import { workflow } from "../testing/test-harness";
import { createRun, resolveInputs } from "./create-run";
import { decide } from "./decide";

const def = workflow(`name: t
inputs:
  a: { type: string }
  b: { type: string }
  list: { type: array }
steps:
  - { id: s, type: shell, params: { command: "echo" } }
`);
const limits = { totalBytes: 1000, valueBytes: 400 };

describe("run inputs are bounded (RUN_INPUTS_MAX_BYTES, RUN_INPUT_MAX_BYTES)", () => {
  it("refuses one value over the per-value limit, naming it and the limit", () => {
    expect(() => resolveInputs(def, { a: "x".repeat(399) }, limits)).toThrow(expect.objectContaining({ code: "input_too_large" }));
    expect(() => resolveInputs(def, { a: "x".repeat(398) }, limits)).not.toThrow();
    try {
      resolveInputs(def, { a: "é".repeat(250) }, limits);
      expect.unreachable();
    } catch (e) {
      // 250 two-byte characters and two quotes: measured in UTF-8, as stored.
      expect((e as Error).message).toContain('input "a" is 502 bytes as JSON; one input may be at most 400 bytes (RUN_INPUT_MAX_BYTES)');
    }
  });

  it("refuses inputs over the total limit although each value fits", () => {
    const three = { a: "x".repeat(390), b: "y".repeat(390), list: ["z".repeat(300)] };
    expect(JSON.stringify(three).length).toBe(1107);
    expect(() => resolveInputs(def, three, limits)).toThrow(/the inputs are 1,107 bytes as JSON together; a run's inputs may be at most 1,000 bytes \(RUN_INPUTS_MAX_BYTES\)/);
  });

  it("checks sizes before types: an oversized value of the wrong type is still too large", () => {
    expect(() => resolveInputs(def, { list: "x".repeat(500) }, limits)).toThrow(expect.objectContaining({ code: "input_too_large" }));
    expect(() => resolveInputs(def, { list: "short" }, limits)).toThrow(expect.objectContaining({ code: "invalid_input" }));
  });

  it("refuses a value nested too deeply to store as JSON, without a crash", () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => resolveInputs(def, { list: deep }, { totalBytes: 10_000_000, valueBytes: 10_000_000 })).toThrow(expect.objectContaining({ code: "invalid_input" }));
  });

  it("applies the defaults (1 MiB total, 256 KiB a value) when none are given", () => {
    expect(() => createRun(compilePlan(def), { runId: "r", inputs: { a: "x".repeat(256 * 1024) } })).toThrow(expect.objectContaining({ code: "input_too_large" }));
  });
});

describe("step outputs are bounded (STEP_OUTPUT_MAX_BYTES)", () => {
  it("fails a step whose output is over the limit, saying so, and keeps smaller ones", () => {
    //  s (output too large) — the run fails with the step's reason
    const plan = compilePlan(def);
    const store = new InMemoryStore();
    const { run, steps } = createRun(plan, { runId: "r" });
    void store.createRun(run, steps);
    const started = decide(plan, store.state("r"), { type: "run_started", at: 1 });
    store.applySync("r", started.patch, started.commands);
    const big = decide(plan, store.state("r"), { type: "step_succeeded", stepId: "s", attempt: 1, output: { text: "x".repeat(2000) }, at: 2 }, { outputMaxBytes: 1000 });
    const rec = big.patch.steps.find((s) => s.id === "s");
    expect(rec).toMatchObject({ status: "failed", error: { code: "output_too_large" } });
    expect(rec?.error?.message).toContain("the step's output is 2,011 bytes as JSON; a step output may be at most 1,000 bytes (STEP_OUTPUT_MAX_BYTES)");
    expect(rec?.output).toBeUndefined();
    const fits = decide(plan, store.state("r"), { type: "step_succeeded", stepId: "s", attempt: 1, output: { text: "x".repeat(900) }, at: 2 }, { outputMaxBytes: 1000 });
    expect(fits.patch.steps.find((s) => s.id === "s")).toMatchObject({ status: "succeeded" });
  });
});
