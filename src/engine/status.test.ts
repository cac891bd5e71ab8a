import { describe, expect, it } from "vitest";
import { compilePlan, type Plan } from "./graph/compile-plan";
import { createRun } from "./scheduler/create-run";
import { decide } from "./scheduler/decide";
import type { EngineEvent } from "./scheduler/types";
import {
  ACTIVE_STEP_STATUSES,
  canControlRun,
  isActive,
  isRunTerminal,
  isTerminal,
  RUN_CONTROLS,
  RUN_STATUSES,
  runControls,
  STEP_STATUSES,
  TERMINAL_RUN_STATUSES,
  TERMINAL_STEP_STATUSES,
  type RunControl,
  type RunStatus,
} from "./status";
import { InMemoryStore } from "./testing/in-memory-store";
import { workflow } from "./testing/test-harness";

//  a ──► b          (shell steps)        gate            (an approval step)
const chain = compilePlan(workflow("name: chain\nsteps:\n  - { id: a, type: shell, params: { command: x } }\n  - { id: b, type: shell, params: { command: x }, needs: [a] }\n"));
const gated = compilePlan(workflow("name: gated\nsteps:\n  - { id: gate, type: approval }\n"));

/** A run brought to `status` by real events (not a header edited by hand). */
function runIn(status: RunStatus): { plan: Plan; store: InMemoryStore } {
  const plan = status === "waiting_approval" ? gated : chain;
  const store = new InMemoryStore();
  const { run, steps } = createRun(plan, { runId: "r" });
  void store.createRun(run, steps);
  const feed = (event: EngineEvent) => {
    const d = decide(plan, store.state("r"), event);
    store.applySync("r", d.patch, d.commands);
  };
  const events: Record<RunStatus, EngineEvent[]> = {
    queued: [],
    running: [{ type: "run_started", at: 1 }],
    waiting_approval: [{ type: "run_started", at: 1 }],
    paused: [{ type: "run_started", at: 1 }, { type: "run_pause_requested", at: 2 }],
    failed: [{ type: "run_started", at: 1 }, { type: "step_failed", stepId: "a", attempt: 1, error: { message: "no" }, at: 2 }],
    cancelled: [{ type: "run_started", at: 1 }, { type: "run_cancel_requested", at: 2 }],
    succeeded: [
      { type: "run_started", at: 1 },
      { type: "step_succeeded", stepId: "a", attempt: 1, output: null, at: 2 },
      { type: "step_succeeded", stepId: "b", attempt: 1, output: null, at: 3 },
    ],
  };
  for (const event of events[status]) feed(event);
  expect(store.runs.get("r")?.header.status).toBe(status);
  return { plan, store };
}

const EVENT: Record<RunControl, EngineEvent> = {
  pause: { type: "run_pause_requested", by: "ann", at: 10 },
  resume: { type: "run_resume_requested", by: "ann", at: 10 },
  cancel: { type: "run_cancel_requested", by: "ann", at: 10 },
  retry: { type: "run_retry_requested", by: "ann", at: 10 },
};

describe("status vocabularies", () => {
  it("derives each list from its helper", () => {
    expect(TERMINAL_STEP_STATUSES).toEqual(STEP_STATUSES.filter(isTerminal));
    expect(TERMINAL_STEP_STATUSES).toEqual(["succeeded", "failed", "skipped", "cancelled"]);
    expect(ACTIVE_STEP_STATUSES).toEqual(STEP_STATUSES.filter(isActive));
    expect(ACTIVE_STEP_STATUSES).toEqual(["ready", "running", "waiting_approval", "waiting_retry"]);
    expect(TERMINAL_RUN_STATUSES).toEqual(RUN_STATUSES.filter(isRunTerminal));
    expect(TERMINAL_RUN_STATUSES).toEqual(["succeeded", "failed", "cancelled"]);
  });

  it("pins which control a run accepts in which status (the service and the UI read this rule)", () => {
    const table = Object.fromEntries(RUN_STATUSES.map((s) => [s, runControls(s)]));
    expect(table).toEqual({
      // A queued run has not started: pausing it is not a thing decide() does (the old service rule accepted it as a no-op).
      queued: ["cancel"],
      running: ["pause", "cancel"],
      paused: ["resume", "cancel"],
      waiting_approval: ["pause", "cancel"],
      succeeded: [],
      failed: ["retry"],
      cancelled: ["retry"],
    });
  });

  it("is the rule decide() applies: a control is accepted exactly when it changes the run", () => {
    for (const status of RUN_STATUSES) {
      for (const control of RUN_CONTROLS) {
        // ARRANGE
        const { plan, store } = runIn(status);
        // ACT
        const d = decide(plan, store.state("r"), EVENT[control]);
        // ASSERT
        const changed = d.patch.run.status !== undefined && d.patch.run.status !== status;
        expect({ status, control, accepted: changed }).toEqual({ status, control, accepted: canControlRun(control, status) });
        if (!changed) expect(d).toEqual({ patch: { run: {}, counters: { remaining: 0, running: 0, failed: 0, waitingApproval: 0 }, steps: [] }, commands: [] });
      }
    }
  });
});
