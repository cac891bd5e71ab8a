import { assertNever } from "../errors";
import { evaluateCondition } from "../expressions/evaluate";
import { planNodeOf } from "../graph/compile-plan";
import { retryDelay, type ResolvedRetry } from "../retry/backoff";
import type { DecisionDraft } from "./decision-draft";
import type { StepError } from "./types";

/** What a failed attempt leads to: another attempt after `delayMs` (waiting_retry), or the step fails. */
export type StepFailureOutcome = { kind: "retry"; delayMs: number; error: StepError } | { kind: "failed"; error: StepError };

export interface StepFailure {
  /** The attempt that failed (1-based). */
  attempt: number;
  error: StepError;
  /** Seeds the jitter (`run:step:attempt`), so a replay computes the same delay. */
  seed: string;
}

/**
 * The outcome of a failure under a step's retry policy, as a pure function: another attempt while
 * attempts are left (`attempt <= max`) and `retry_if` holds, else `failed`. `retryIf` evaluates the
 * condition (the caller owns the expression context and budget); it is asked only when an attempt
 * is left, and an error in it counts as false.
 */
export function stepFailureOutcome(policy: ResolvedRetry | undefined, failure: StepFailure, retryIf: (condition: string) => boolean): StepFailureOutcome {
  const { attempt, error } = failure;
  if (!policy || attempt > policy.max) return { kind: "failed", error };
  if (policy.retryIf !== undefined && !retryIf(policy.retryIf)) return { kind: "failed", error };
  return { kind: "retry", delayMs: retryDelay(policy, attempt, failure.seed), error };
}

/** A running step failed (or timed out, or its child run did not succeed): retry per policy, or fail. */
export function stepFailed(d: DecisionDraft, id: string, error: StepError): void {
  const node = planNodeOf(d.plan, id);
  const rec = d.get(id);
  const outcome = stepFailureOutcome(node.retry, { attempt: rec.attempt, error, seed: `${d.runId}:${id}:${rec.attempt}` }, (condition) => {
    const r = evaluateCondition(condition, d.context(node, rec, { error: { ...error }, attempt: rec.attempt }), d.meter);
    return r.ok && r.value;
  });
  switch (outcome.kind) {
    case "retry":
      d.put({ ...rec, status: "waiting_retry", error: outcome.error });
      d.commands.push({ kind: "schedule_retry", runId: d.runId, stepId: id, attempt: rec.attempt + 1, at: d.now + outcome.delayMs, delayMs: outcome.delayMs });
      return;
    case "failed":
      d.finish(id, "failed", { error: outcome.error });
      return;
    default:
      assertNever(outcome, "step failure outcome");
  }
}
