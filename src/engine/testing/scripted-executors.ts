import type { LeafStepType } from "../definition/schema";
import type { Json } from "../json";
import type { ExecutionResult, Executor, Executors, StepExecution } from "../ports";
import type { StepError } from "../scheduler/types";
import type { FakeClock } from "./fake-clock";

/** One scripted outcome of one attempt: succeed with an output or fail, after `delayMs` on the fake clock. */
export type ScriptedOutcome =
  | { ok: true; output?: Json; delayMs?: number }
  | { ok: false; error: StepError | string; delayMs?: number }
  /** Never finishes by itself (for timeouts and cancellation). */
  | { hang: true };

export interface ExecutionRecord {
  runId: string;
  stepId: string;
  attempt: number;
  params: Json;
  /** A shell command's `{{ }}` values (the command references them as `WF_VALUE_<k>`). */
  commandValues?: readonly string[];
  startedAt: number;
  finishedAt?: number;
  aborted?: boolean;
}

/**
 * Executors driven by a script: step id -> outcomes, one per attempt (the last one repeats).
 * A step without a script succeeds at once with `{}`. Foreach instances `fe[2]` match `fe[2]`, then `fe`.
 */
export class ScriptedExecutors {
  readonly log: ExecutionRecord[] = [];
  private readonly used = new Map<string, number>();

  constructor(
    private readonly clock: FakeClock,
    private script: Record<string, ScriptedOutcome[]> = {},
    private readonly defaultDelayMs = 0,
  ) {}

  /** Replaces the script for the next starts (e.g. "everything succeeds now", before a run retry). */
  rescript(script: Record<string, ScriptedOutcome[]>): void {
    this.script = script;
    this.used.clear();
  }

  private outcomeFor(stepId: string): ScriptedOutcome {
    const base = stepId.includes("[") ? stepId.slice(0, stepId.indexOf("[")) : stepId;
    const key = stepId in this.script ? stepId : base;
    const list = this.script[key];
    if (!list || list.length === 0) return { ok: true, output: {}, delayMs: this.defaultDelayMs };
    const n = this.used.get(stepId) ?? 0;
    this.used.set(stepId, n + 1);
    return list[Math.min(n, list.length - 1)] as ScriptedOutcome;
  }

  private execute(execution: StepExecution): Promise<ExecutionResult> {
    const record: ExecutionRecord = {
      runId: execution.runId,
      stepId: execution.stepId,
      attempt: execution.attempt,
      params: execution.params,
      ...(execution.commandValues ? { commandValues: execution.commandValues } : {}),
      startedAt: this.clock.now(),
    };
    this.log.push(record);
    const outcome = this.outcomeFor(execution.stepId);
    return new Promise<ExecutionResult>((resolve) => {
      const settle = (result: ExecutionResult): void => {
        if (record.finishedAt !== undefined) return;
        record.finishedAt = this.clock.now();
        resolve(result);
      };
      execution.signal.addEventListener("abort", () => {
        record.aborted = true;
        settle({ ok: false, error: { code: "cancelled", message: "aborted" } });
      });
      if ("hang" in outcome) return;
      const result: ExecutionResult = outcome.ok
        ? { ok: true, output: outcome.output ?? {} }
        : { ok: false, error: typeof outcome.error === "string" ? { message: outcome.error } : outcome.error };
      const delay = outcome.delayMs ?? this.defaultDelayMs;
      if (delay <= 0) settle(result);
      else this.clock.setTimer(this.clock.now() + delay, () => settle(result));
    });
  }

  /** The Executors port: the same scripted executor for every step type. */
  executors(): Executors {
    const executor: Executor = { execute: (e) => this.execute(e) };
    const types: LeafStepType[] = ["shell", "http", "agent", "llm", "git", "noop", "approval", "wait", "subworkflow"];
    return Object.fromEntries(types.map((t) => [t, executor])) as Executors;
  }

  /** Starts of a step, in order. */
  starts(stepId: string): ExecutionRecord[] {
    return this.log.filter((r) => r.stepId === stepId);
  }
}
