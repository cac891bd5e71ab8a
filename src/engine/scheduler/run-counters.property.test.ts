import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planFor } from "../engine";
import { planNodeOf, type Plan } from "../graph/compile-plan";
import { isRunTerminal, isTerminal } from "../status";
import type { ScriptedOutcome } from "../testing/scripted-executors";
import { createHarness, workflow } from "../testing/test-harness";
import type { RunCounters, StepState } from "./types";

// Random workflows of every node kind, driven to the end with random gate decisions, pauses and a
// run retry: after EVERY applied patch, the run's counters equal a count over its records. The
// counters are derived from status changes in one place (run-counters.ts); this recount is written
// independently of it, from the definition of each counter (types.ts RunCounters).
//
//   s0 (shell) ──► s1 (gated shell) ──► s3 (foreach) ...
//   s2 (approval) ─────────────────────┘       (one sample: kinds and needs are random)

const KINDS = ["shell", "gated", "approval", "foreach", "any", "all", "wait"] as const;
type Kind = (typeof KINDS)[number];
const OUTCOMES = ["ok", "ok", "fail", "flaky", "slow"] as const;
type Outcome = (typeof OUTCOMES)[number];
const GATE_ACTIONS = ["approve", "approve", "modify", "skip", "reject", "retry", "cancel"] as const;

const workflowArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    kinds: fc.array(fc.constantFrom(...KINDS), { minLength: n, maxLength: n }),
    needs: fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j), { maxLength: Math.min(2, i) }))),
    outcomes: fc.array(fc.constantFrom(...OUTCOMES), { minLength: n, maxLength: n }),
    cof: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    retries: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
    onTimeout: fc.array(fc.constantFrom("none", "fail", "skip", "cancel"), { minLength: n, maxLength: n }),
    concurrency: fc.integer({ min: 0, max: 3 }),
    decisions: fc.array(fc.constantFrom(...GATE_ACTIONS), { maxLength: 12 }),
    pauses: fc.array(fc.boolean(), { maxLength: 6 }),
    retryRun: fc.boolean(),
  }),
);

const sid = (i: number) => `s${i}`;

function yamlOf(w: { kinds: Kind[]; needs: number[][]; cof: boolean[]; retries: number[]; onTimeout: string[]; concurrency: number }): string {
  const steps = w.kinds.map((kind, i) => {
    const common = [
      `id: ${sid(i)}`,
      ...(w.needs[i]?.length ? [`needs: [${(w.needs[i] ?? []).map(sid).join(", ")}]`] : []),
      ...(w.cof[i] && kind !== "approval" ? ["continue_on_failure: true"] : []),
    ];
    const gate = w.onTimeout[i] === "none" ? "{}" : `{ timeout: 1h, on_timeout: ${w.onTimeout[i]} }`;
    const retries = w.retries[i] ? ", retries: { max: 1, backoff: fixed, initial: 1s, jitter: 0 }" : "";
    const shell = (id: string) => `{ id: ${id}, type: shell, params: { command: x }${retries} }`;
    switch (kind) {
      case "shell":
        return [...common, "type: shell", "params: { command: x }", ...(retries ? [retries.slice(2)] : [])];
      case "gated":
        return [...common, "type: shell", "params: { command: x }", `approval: ${gate}`];
      case "approval":
        return [...common, "type: approval", ...(gate !== "{}" ? [`approval: ${gate}`] : [])];
      case "foreach":
        return [...common, "type: foreach", "items: '[1, 2, 3]'", "concurrency: 2", "step: { type: shell, params: { command: x } }"];
      case "any":
      case "all":
        return [...common, "type: parallel", `wait_for: ${kind}`, `steps: [${shell(`${sid(i)}a`)}, ${shell(`${sid(i)}b`)}]`];
      case "wait":
        return [...common, "type: wait", "params: { duration: 2s }"];
    }
  });
  return `name: random\n${w.concurrency > 0 ? `concurrency: ${w.concurrency}\n` : ""}steps:\n${steps.map((lines) => `  - ${lines.join("\n    ")}`).join("\n")}\n`;
}

/** The counters by their definition, counted over the records. */
function recount(plan: Plan, steps: Iterable<StepState>): RunCounters {
  const c: RunCounters = { remaining: 0, running: 0, failed: 0, waitingApproval: 0 };
  for (const s of steps) {
    const node = planNodeOf(plan, s.id);
    if (!isTerminal(s.status)) c.remaining++;
    if (s.status === "running" && (node.kind === "task" || node.kind === "subworkflow")) c.running++;
    if (s.status === "failed" && !node.continueOnFailure) c.failed++;
    if (s.status === "waiting_approval") c.waitingApproval++;
  }
  return c;
}

function scriptOf(kinds: Kind[], outcomes: Outcome[]): Record<string, ScriptedOutcome[]> {
  const script: Record<string, ScriptedOutcome[]> = {};
  const of = (o: Outcome | undefined): ScriptedOutcome[] | undefined =>
    o === "fail" ? [{ ok: false, error: "boom", delayMs: 10 }] : o === "flaky" ? [{ ok: false, error: "flaky", delayMs: 10 }, { ok: true, delayMs: 10 }] : o === "slow" ? [{ ok: true, delayMs: 1000 }] : undefined;
  kinds.forEach((kind, i) => {
    const outcome = of(outcomes[i]);
    if (!outcome) return;
    if (kind === "any" || kind === "all") script[`${sid(i)}a`] = outcome;
    else if (kind === "foreach") script[`${sid(i)}[1]`] = outcome;
    else script[sid(i)] = outcome;
  });
  return script;
}

describe("run counters", () => {
  it("equal a count over the records after every patch: every node kind, gates, pause, cancel, retry", async () => {
    await fc.assert(
      fc.asyncProperty(workflowArb, async (w) => {
        // ARRANGE
        const definition = workflow(yamlOf(w));
        const plan = planFor(definition);
        const h = createHarness(scriptOf(w.kinds, w.outcomes), { defaultDelayMs: 5 });
        const applySync = h.store.applySync.bind(h.store);
        let patches = 0;
        h.store.applySync = (runId, patch, commands) => {
          applySync(runId, patch, commands);
          patches++;
          const run = h.store.runs.get(runId);
          if (run) expect({ patch: patches, counters: run.header.counters }).toEqual({ patch: patches, counters: recount(plan, run.steps.values()) });
        };
        const decisions = [...w.decisions];
        const pauses = [...w.pauses];
        // ACT: drive the run to its end, deciding open gates (approve once the random ones are used)
        const runId = await h.engine.startRun(definition);
        const drive = async () => {
          for (let round = 0; round < 50; round++) {
            await h.settle();
            const run = await h.engine.getRun(runId);
            if (!run || isRunTerminal(run.status)) return;
            if (pauses.shift()) {
              await h.engine.pause(runId);
              await h.engine.resume(runId);
            }
            const open = (await h.engine.listSteps(runId)).filter((s) => s.status === "waiting_approval" && s.gate);
            for (const s of open) {
              const action = decisions.shift() ?? "approve";
              await h.engine.decideGate(runId, { stepId: s.id, gateId: s.gate?.id ?? "", action, by: "ann", ...(action === "modify" ? { payload: { edited: true } } : {}) });
            }
          }
          throw new Error("the run did not end");
        };
        await drive();
        if (w.retryRun) {
          h.executors.rescript({});
          await h.engine.retry(runId);
          await drive();
        }
        // ASSERT
        const run = await h.engine.getRun(runId);
        expect(run && isRunTerminal(run.status)).toBe(true);
        expect(run?.counters).toMatchObject({ remaining: 0, running: 0, waitingApproval: 0 });
        expect(patches).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
