/**
 * Engine benchmark: cost of finishing one step, for a chain of 1,000 steps and a fan 1 -> 10,000 -> 1,
 * driving decide() directly on the in-memory store (what a worker does per event, minus the database).
 * Prints figures and PASS/FAIL of the ratio target (within 1.5x); always exits 0.
 *   npm run bench:engine
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import type { WorkflowDefinition } from "../src/engine/definition/schema";
import { compilePlan } from "../src/engine/graph/compile-plan";
import { createRun } from "../src/engine/scheduler/create-run";
import { decide } from "../src/engine/scheduler/decide";
import type { EngineCommand } from "../src/engine/scheduler/types";
import { InMemoryStore } from "../src/engine/testing/in-memory-store";

type Step = WorkflowDefinition["steps"][number];
const shell = (id: string, needs: string[]): Step => ({ id, type: "shell", params: { command: "true" }, needs });

function chain(n: number): WorkflowDefinition {
  return { name: "chain", steps: Array.from({ length: n }, (_, i) => shell(`s${i}`, i === 0 ? [] : [`s${i - 1}`])) };
}

function fan(n: number): WorkflowDefinition {
  const middle = Array.from({ length: n }, (_, i) => shell(`m${i}`, ["source"]));
  return { name: "fan", steps: [shell("source", []), ...middle, shell("sink", middle.map((s) => s.id))] };
}

/** Runs a workflow to the end; returns µs per finished step (decide + apply), excluding run creation. */
function runOnce(definition: WorkflowDefinition): { usPerStep: number; steps: number; status: string } {
  const plan = compilePlan(definition);
  const store = new InMemoryStore();
  store.keepOutbox = false;
  const { run, steps } = createRun(plan, { runId: "bench" });
  void store.createRun(run, steps);
  const queue: EngineCommand[] = [];
  let at = 1;
  let finished = 0;
  const t0 = performance.now();
  const first = decide(plan, store.state("bench"), { type: "run_started", at: at++ });
  store.applySync("bench", first.patch, first.commands);
  queue.push(...first.commands);
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i] as EngineCommand;
    queue[i] = undefined as unknown as EngineCommand; // let handled commands be collected
    if (c.kind !== "start_step") continue;
    const d = decide(plan, store.state("bench"), { type: "step_succeeded", stepId: c.stepId, attempt: c.attempt, output: null, at: at++ });
    store.applySync("bench", d.patch, d.commands);
    for (const next of d.commands) queue.push(next);
    finished++;
  }
  const elapsed = performance.now() - t0;
  const header = store.runs.get("bench")?.header;
  return { usPerStep: (elapsed * 1000) / finished, steps: finished, status: header?.status ?? "?" };
}

function measure(name: string, definition: WorkflowDefinition, repeats: number): number {
  for (let w = 0; w < 3; w++) runOnce(definition); // warm-up (JIT)
  const samples: number[] = [];
  let last = { steps: 0, status: "" };
  for (let r = 0; r < repeats; r++) {
    const result = runOnce(definition);
    samples.push(result.usPerStep);
    last = result;
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  console.log(`${name.padEnd(24)} N=${String(last.steps).padStart(6)} steps  median ${median.toFixed(2)} µs/step  (min ${samples[0]?.toFixed(2)}, max ${samples[samples.length - 1]?.toFixed(2)}, ${repeats} runs, run ${last.status})`);
  return median;
}

console.log(`machine: ${os.cpus()[0]?.model ?? "unknown"} x${os.cpus().length}, node ${process.version}, ${os.platform()} ${os.arch()}`);
console.log("store: in-memory (InMemoryStore.applySync), driver: decide() per step_succeeded event");
const chainUs = measure("chain 1,000", chain(1_000), 31);
const fanUs = measure("fan 1 -> 10,000 -> 1", fan(10_000), 7);
const ratio = Math.max(chainUs, fanUs) / Math.min(chainUs, fanUs);
console.log(`ratio (slower/faster per-step cost): ${ratio.toFixed(2)}x  target <= 1.5x  ${ratio <= 1.5 ? "PASS" : "FAIL"}`);
