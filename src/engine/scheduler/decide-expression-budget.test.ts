/* eslint-disable no-restricted-globals -- this test measures wall time: performance.now is the clock the server passes to the engine */
import { describe, expect, it } from "vitest";
import { compilePlan } from "../graph/compile-plan";
import { InMemoryStore } from "../testing/in-memory-store";
import { createHarness, workflow } from "../testing/test-harness";
import { createRun } from "./create-run";
import { decide } from "./decide";

const NESTED = "inputs.items.all(x, inputs.items.all(y, inputs.items.all(z, x + y + z >= 0)))";
const items = Array.from({ length: 600 }, (_, i) => i);

describe("decide: expressions run on one budget per decision", () => {
  it("fails the step whose if: runs past the budget, naming the expression and where", async () => {
    //  guarded (if: hostile) ──► after
    //  plain
    const h = createHarness();
    const def = workflow(`name: t
inputs:
  items: { type: array }
steps:
  - { id: guarded, type: shell, if: "${NESTED}", params: { command: "echo never" } }
  - { id: after, type: shell, needs: [guarded], params: { command: "echo after" } }
  - { id: plain, type: shell, params: { command: "echo plain" } }
`);
    const start = performance.now();
    const runId = await h.engine.startRun(def, { inputs: { items } });
    await h.settle();
    expect(performance.now() - start).toBeLessThan(1_000);
    const guarded = h.store.step(runId, "guarded");
    expect(guarded).toMatchObject({ status: "failed", error: { code: "expression_budget" } });
    expect(guarded?.error?.message).toMatch(/^if: evaluation budget exceeded/);
    expect(guarded?.error?.message).toContain(NESTED);
    expect(h.store.step(runId, "after")?.status).toBe("skipped");
    expect(h.store.step(runId, "plain")?.status).toBe("succeeded");
    expect((await h.engine.getRun(runId))?.status).toBe("failed");
  });

  it("bounds a decision with many hostile expressions to about one budget", () => {
    //  h0 … h9, each with a hostile if:, all roots: the run's start evaluates them all
    const steps = Array.from({ length: 10 }, (_, i) => `  - { id: h${i}, type: shell, if: "${NESTED}", params: { command: "echo" } }`).join("\n");
    const plan = compilePlan(workflow(`name: t\ninputs:\n  items: { type: array }\nsteps:\n${steps}\n`));
    const store = new InMemoryStore();
    const { run, steps: records } = createRun(plan, { runId: "r", inputs: { items } });
    void store.createRun(run, records);
    const start = performance.now();
    const d = decide(plan, store.state("r"), { type: "run_started", at: 1 }, { expressions: { budgetMs: 50, now: () => performance.now() } });
    // Ten times the budget without sharing it; one budget (plus the stops) with it.
    expect(performance.now() - start).toBeLessThan(300);
    expect(d.patch.steps.filter((s) => s.error?.code === "expression_budget")).toHaveLength(10);
  });

  it("fails params and items templates that run past it the same way", async () => {
    const h = createHarness();
    const def = workflow(`name: t
inputs:
  items: { type: array }
steps:
  - { id: render, type: shell, params: { command: "echo {{ ${NESTED} }}" } }
  - { id: each, type: foreach, items: "inputs.items.filter(x, ${NESTED})", step: { type: noop } }
`);
    const runId = await h.engine.startRun(def, { inputs: { items } });
    await h.settle();
    expect(h.store.step(runId, "render")).toMatchObject({ status: "failed", error: { code: "expression_budget" } });
    expect(h.store.step(runId, "render")?.error?.message).toMatch(/^params: evaluation budget exceeded.* in "echo \{\{/);
    expect(h.store.step(runId, "each")).toMatchObject({ status: "failed", error: { code: "expression_budget" } });
    expect(h.store.step(runId, "each")?.error?.message).toMatch(/^items: evaluation budget exceeded/);
  });
});
