import { createEngine, type Engine } from "../engine";
import { loadWorkflow } from "../definition/load-workflow";
import type { WorkflowDefinition } from "../definition/schema";
import { EngineError } from "../errors";
import type { WorkflowResolver } from "../ports";
import { FakeClock } from "./fake-clock";
import { InMemoryStore } from "./in-memory-store";
import { ScriptedExecutors, type ScriptedOutcome } from "./scripted-executors";
import { sequentialIds } from "./sequential-ids";

export interface Harness {
  engine: Engine;
  store: InMemoryStore;
  clock: FakeClock;
  executors: ScriptedExecutors;
  /** Runs timers and events until nothing is left to do (or `maxSteps` timers fired). */
  settle(maxTimers?: number): Promise<void>;
}

/** Engine + in-memory store + fake clock + scripted executors, wired for scenario tests. */
export function createHarness(script: Record<string, ScriptedOutcome[]> = {}, options: { resolveWorkflow?: WorkflowResolver; defaultDelayMs?: number } = {}): Harness {
  const clock = new FakeClock();
  const store = new InMemoryStore();
  const executors = new ScriptedExecutors(clock, script, options.defaultDelayMs ?? 0);
  const engine = createEngine({
    store,
    clock,
    executors: executors.executors(),
    ids: sequentialIds(),
    ...(options.resolveWorkflow ? { resolveWorkflow: options.resolveWorkflow } : {}),
  });
  return {
    engine,
    store,
    clock,
    executors,
    async settle(maxTimers = 10_000) {
      await engine.idle();
      for (let i = 0; i < maxTimers && clock.fireNext(); i++) await engine.idle();
    },
  };
}

/** Parses a YAML workflow for a test; throws with every error when it is invalid. */
export function workflow(yaml: string): WorkflowDefinition {
  const result = loadWorkflow(yaml);
  if (!result.ok) throw new EngineError("invalid_definition", result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n"));
  return result.definition;
}
