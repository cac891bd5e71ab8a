import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WorkflowDefinition } from "../definition/schema";
import { findCycles } from "../graph/find-cycles";
import { topologicalSort } from "../graph/topological-sort";
import { isRunTerminal, isTerminal } from "../status";
import type { ScriptedOutcome } from "../testing/scripted-executors";
import { createHarness } from "../testing/test-harness";

// Random DAGs: node i may need any of the nodes before it, so the graph is acyclic by construction.
//   s0 ──► s2 ──► s4
//   s1 ──┘   └──► s3      (one sample)
const dagArb = fc
  .integer({ min: 1, max: 14 })
  .chain((n) =>
    fc.record({
      needs: fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j), { maxLength: Math.min(3, i) }))),
      outcomes: fc.array(fc.constantFrom("ok", "ok", "ok", "fail", "flaky", "slow"), { minLength: n, maxLength: n }),
      cof: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      retries: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
      concurrency: fc.integer({ min: 0, max: 4 }),
    }),
  );

const id = (i: number) => `s${i}`;

/** The workflow of a random DAG: step i is `s<i>`, a shell step needing `needs[i]`. */
function definitionOf({ needs, cof, retries, concurrency }: { needs: number[][]; cof: boolean[]; retries: number[]; concurrency: number }): WorkflowDefinition {
  return {
    name: "random",
    ...(concurrency > 0 ? { concurrency } : {}),
    steps: needs.map((ns, i) => ({
      id: id(i),
      type: "shell" as const,
      params: { command: "x" },
      needs: ns.map(id),
      ...(cof[i] ? { continue_on_failure: true } : {}),
      ...(retries[i] ? { retries: { max: retries[i] ?? 0, backoff: "fixed" as const, initial: "1s", jitter: 0 } } : {}),
    })),
  };
}

describe("scheduler properties over random DAGs", () => {
  it("needs first, once per attempt, concurrency respected, always terminates", async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async ({ needs, outcomes, cof, retries, concurrency }) => {
        // ARRANGE
        const def = definitionOf({ needs, cof, retries, concurrency });
        const script: Record<string, ScriptedOutcome[]> = {};
        outcomes.forEach((o, i) => {
          if (o === "fail") script[id(i)] = [{ ok: false, error: "boom", delayMs: 10 }];
          if (o === "flaky") script[id(i)] = [{ ok: false, error: "flaky", delayMs: 10 }, { ok: true, delayMs: 10 }];
          if (o === "slow") script[id(i)] = [{ ok: true, delayMs: 1000 }];
        });
        const h = createHarness(script, { defaultDelayMs: 5 });
        // ACT
        const runId = await h.engine.startRun(def);
        await h.settle();
        // ASSERT
        const run = await h.engine.getRun(runId);
        expect(run && isRunTerminal(run.status)).toBe(true);
        expect(run?.counters.remaining).toBe(0);
        const steps = await h.engine.listSteps(runId);
        for (const s of steps) expect(isTerminal(s.status)).toBe(true);
        const byId = new Map(steps.map((s) => [s.id, s]));
        const seen = new Set<string>();
        for (const start of h.executors.log) {
          const key = `${start.stepId}#${start.attempt}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
          const i = Number(start.stepId.slice(1));
          for (const n of needs[i] ?? []) {
            const need = byId.get(id(n));
            expect(need?.finishedAt).toBeLessThanOrEqual(start.startedAt);
            const ok = need?.status === "succeeded" || need?.status === "skipped" || (need?.status === "failed" && cof[n]);
            expect(ok).toBe(true);
          }
          if (concurrency > 0) {
            const overlapping = h.executors.log.filter((o) => o.startedAt <= start.startedAt && (o.finishedAt ?? Infinity) > start.startedAt);
            expect(overlapping.length).toBeLessThanOrEqual(concurrency);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a failed run retried once with succeeding executors ends succeeded; succeeded steps never run again", async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async ({ needs, outcomes, cof, retries, concurrency }) => {
        // ARRANGE: the same random DAGs and outcomes; keep only the runs that failed
        const def = definitionOf({ needs, cof, retries, concurrency });
        const script: Record<string, ScriptedOutcome[]> = {};
        outcomes.forEach((o, i) => {
          if (o === "fail" || o === "flaky") script[id(i)] = [{ ok: false, error: "boom", delayMs: 10 }];
          if (o === "slow") script[id(i)] = [{ ok: true, delayMs: 1000 }];
        });
        const h = createHarness(script, { defaultDelayMs: 5 });
        const runId = await h.engine.startRun(def);
        await h.settle();
        const first = await h.engine.getRun(runId);
        fc.pre(first?.status === "failed");
        const succeeded = new Set((await h.engine.listSteps(runId)).filter((s) => s.status === "succeeded").map((s) => s.id));
        const before = h.executors.log.length;
        // ACT
        h.executors.rescript({});
        await h.engine.retry(runId);
        await h.settle();
        // ASSERT
        const run = await h.engine.getRun(runId);
        expect(run?.status).toBe("succeeded");
        expect(run?.counters).toEqual({ remaining: 0, running: 0, failed: 0, waitingApproval: 0 });
        expect(run?.failure).toBeUndefined();
        const steps = await h.engine.listSteps(runId);
        const byId = new Map(steps.map((s) => [s.id, s]));
        for (const s of steps) expect(isTerminal(s.status)).toBe(true);
        const again = h.executors.log.slice(before);
        const seen = new Set<string>();
        for (const start of h.executors.log) {
          const key = `${start.stepId}#${start.attempt}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
        for (const start of again) {
          expect(succeeded.has(start.stepId)).toBe(false);
          for (const n of needs[Number(start.stepId.slice(1))] ?? []) {
            const need = byId.get(id(n));
            expect(need?.finishedAt).toBeLessThanOrEqual(start.startedAt);
            expect(need?.status === "succeeded" || need?.status === "skipped" || (need?.status === "failed" && cof[n])).toBe(true);
          }
          if (concurrency > 0) {
            const overlapping = again.filter((o) => o.startedAt <= start.startedAt && (o.finishedAt ?? Infinity) > start.startedAt);
            expect(overlapping.length).toBeLessThanOrEqual(concurrency);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("cycle detection agrees with a topological sort", () => {
    const graphArb = fc.integer({ min: 1, max: 10 }).chain((n) =>
      fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 })),
    );
    fc.assert(
      fc.property(graphArb, ([n, edges]) => {
        const ids = Array.from({ length: n }, (_, i) => `n${i}`);
        const needs = new Map(ids.map((i) => [i, [] as string[]]));
        for (const [a, b] of edges) needs.get(`n${a}`)?.push(`n${b}`);
        const needsOf = (i: string) => needs.get(i) ?? [];
        const cycles = findCycles(ids, needsOf);
        const order = topologicalSort(ids, needsOf);
        expect(cycles.length === 0).toBe(order !== undefined);
        for (const cycle of cycles) {
          expect(cycle[0]).toBe(cycle[cycle.length - 1]);
          // execution order: each element is needed by the next
          for (let k = 0; k + 1 < cycle.length; k++) expect(needsOf(cycle[k + 1] as string)).toContain(cycle[k]);
        }
        if (order) {
          const pos = new Map(order.map((id, i) => [id, i]));
          for (const id of ids) for (const need of needsOf(id)) expect(pos.get(need)!).toBeLessThanOrEqual(pos.get(id)!);
        }
      }),
      { numRuns: 500 },
    );
  });
});
