import { EngineError } from "../errors";
import type { RunStore } from "../ports";
import { applyRunPatch } from "../scheduler/apply-run-patch";
import type { EngineCommand, RunHeader, RunPatch, RunState, StepState } from "../scheduler/types";
import { isActive, isRunnable } from "../status";

interface StoredRun {
  header: RunHeader;
  steps: Map<string, StepState>;
  /** Index of `ready` records in the order they became ready (Set keeps insertion order). */
  ready: Set<string>;
  /** Index of active records, for cancel. */
  active: Set<string>;
  outbox: EngineCommand[];
}

/**
 * RunStore in memory, with the same indexes a database would have (ready queue, active set), so
 * apply() costs O(changed records) like a real transaction.
 */
export class InMemoryStore implements RunStore {
  readonly runs = new Map<string, StoredRun>();
  /** Keep every command applied (an outbox log) for assertions. @default true */
  keepOutbox = true;

  private get(runId: string): StoredRun {
    const run = this.runs.get(runId);
    if (!run) throw new EngineError("unknown_run", `no run "${runId}"`);
    return run;
  }

  async createRun(run: RunHeader, steps: readonly StepState[]): Promise<void> {
    const map = new Map<string, StepState>();
    for (const s of steps) map.set(s.id, s);
    this.runs.set(run.id, { header: run, steps: map, ready: new Set(), active: new Set(), outbox: [] });
  }

  /** Synchronous form of loadState, for using decide() directly in tests and benchmarks. */
  state(runId: string): RunState {
    const run = this.get(runId);
    return {
      run: run.header,
      steps: run.steps,
      readySteps(limit) {
        const out: string[] = [];
        if (limit <= 0) return out;
        for (const id of run.ready) {
          out.push(id);
          if (out.length >= limit) break;
        }
        return out;
      },
      activeSteps: () => [...run.active],
      // A scan here; a database answers it from an index on (runId, status). Retry only.
      stepsWithStatus(statuses) {
        const wanted = new Set(statuses);
        return [...run.steps.values()].filter((step) => wanted.has(step.status));
      },
    };
  }

  async loadState(runId: string, _touched: readonly string[]): Promise<RunState> {
    return this.state(runId);
  }

  /** Synchronous form of apply. */
  applySync(runId: string, patch: RunPatch, commands: readonly EngineCommand[]): void {
    const run = this.get(runId);
    run.header = applyRunPatch(run.header, patch);
    for (const step of patch.steps) {
      // Update the stored record in place: like a database row, and it keeps long-lived records
      // in one place for the garbage collector (replacing them makes old-space garbage per step).
      // Safe because decide() copies before changing and states are read per event.
      const existing = run.steps.get(step.id);
      if (existing) Object.assign(existing, step);
      else run.steps.set(step.id, { ...step });
      if (isRunnable(step.status)) {
        run.ready.delete(step.id);
        run.ready.add(step.id);
      } else run.ready.delete(step.id);
      if (isActive(step.status)) run.active.add(step.id);
      else run.active.delete(step.id);
    }
    if (patch.pendingTo) {
      for (const [id, step] of run.steps) {
        if (step.status === "pending") run.steps.set(id, { ...step, status: patch.pendingTo, reason: run.header.reason ?? "run ended" });
      }
    }
    if (this.keepOutbox) run.outbox.push(...commands);
  }

  async apply(runId: string, patch: RunPatch, commands: readonly EngineCommand[]): Promise<void> {
    this.applySync(runId, patch, commands);
  }

  async getRun(runId: string): Promise<RunHeader | undefined> {
    return this.runs.get(runId)?.header;
  }

  async listSteps(runId: string): Promise<StepState[]> {
    return [...this.get(runId).steps.values()];
  }

  /** Commands applied so far for a run (the outbox). */
  commands(runId: string): EngineCommand[] {
    return this.get(runId).outbox;
  }

  step(runId: string, stepId: string): StepState | undefined {
    return this.runs.get(runId)?.steps.get(stepId);
  }
}
