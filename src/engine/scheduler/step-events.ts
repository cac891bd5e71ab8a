import { planNodeOf } from "../graph/compile-plan";
import type { Json } from "../json";
import { jsonBytes } from "../json-size";
import type { StepStatus } from "../status";
import { openGate } from "./decide-gate";
import type { DecisionDraft, EventOf, Followup } from "./decision-draft";
import { stepFailed } from "./step-failure";
import type { StepError, StepState } from "./types";

// What executors, timers and child runs report about one step. An event for another attempt or a
// step no longer in the expected status is stale (at-least-once delivery): an empty decision.

/** The failure of a step whose output is over the limit, or undefined when it fits. */
function outputTooLarge(output: Json | undefined, maxBytes: number): StepError | undefined {
  const bytes = jsonBytes(output);
  if (bytes !== undefined && bytes <= maxBytes) return undefined;
  const size = bytes === undefined ? "cannot be stored as JSON" : `is ${bytes.toLocaleString("en")} bytes as JSON`;
  return {
    code: "output_too_large",
    message: `the step's output ${size}; a step output may be at most ${maxBytes.toLocaleString("en")} bytes (STEP_OUTPUT_MAX_BYTES): put large results in $WF_ARTIFACTS and output where they are`,
  };
}

function isCurrent(rec: StepState | undefined, attempt: number, status: StepStatus): rec is StepState {
  return rec !== undefined && rec.attempt === attempt && rec.status === status;
}

/** The step's result: published, or held at its gate; an output over `outputMaxBytes` fails the step instead. */
export function onStepSucceeded(d: DecisionDraft, event: EventOf<"step_succeeded">): Followup {
  const rec = d.state.steps.get(event.stepId);
  if (!isCurrent(rec, event.attempt, "running")) return "done";
  const tooLarge = outputTooLarge(event.output, d.outputMaxBytes);
  if (tooLarge) {
    stepFailed(d, event.stepId, tooLarge);
    return "settle";
  }
  const node = planNodeOf(d.plan, event.stepId);
  // Hold the result for review: downstream waits until the gate is decided.
  if (node.approval && node.kind !== "approval") openGate(d, event.stepId, node, { ...rec, output: event.output });
  else d.finish(event.stepId, "succeeded", { output: event.output });
  return "settle";
}

export function onStepFailed(d: DecisionDraft, event: EventOf<"step_failed">): Followup {
  const rec = d.state.steps.get(event.stepId);
  if (!isCurrent(rec, event.attempt, "running")) return "done";
  stepFailed(d, event.stepId, event.error);
  return "settle";
}

/** The executor did not answer within the step's timeout: kill it, then fail (or retry) like a failure. */
export function onStepTimedOut(d: DecisionDraft, event: EventOf<"step_timed_out">): Followup {
  const rec = d.state.steps.get(event.stepId);
  if (!isCurrent(rec, event.attempt, "running")) return "done";
  const node = planNodeOf(d.plan, event.stepId);
  const error: StepError = { code: "timeout", message: `timed out after ${node.timeoutMs ?? 0}ms` };
  d.commands.push({ kind: "cancel_step", runId: d.runId, stepId: event.stepId, attempt: event.attempt, reason: "timeout" });
  stepFailed(d, event.stepId, error);
  return "settle";
}

/** The backoff of a failed attempt is over: the step is ready for attempt `event.attempt`. */
export function onRetryTimerFired(d: DecisionDraft, event: EventOf<"retry_timer_fired">): Followup {
  const rec = d.state.steps.get(event.stepId);
  if (!rec || rec.status !== "waiting_retry" || event.attempt !== rec.attempt + 1) return "done";
  d.markReady(rec);
  return "settle";
}

export function onWaitTimerFired(d: DecisionDraft, event: EventOf<"wait_timer_fired">): Followup {
  const rec = d.state.steps.get(event.stepId);
  if (!isCurrent(rec, event.attempt, "running")) return "done";
  d.finish(event.stepId, "succeeded", { output: { waited_ms: event.at - (rec.startedAt ?? event.at) } });
  return "settle";
}

/** A child run of a subworkflow step ended: its success is the step's; a failure or cancel fails (or retries) it. */
export function onSubworkflowFinished(d: DecisionDraft, event: EventOf<"subworkflow_finished">): Followup {
  const rec = d.state.steps.get(event.stepId);
  if (!isCurrent(rec, event.attempt, "running")) return "done";
  const tooLarge = event.status === "succeeded" ? outputTooLarge(event.output ?? null, d.outputMaxBytes) : undefined;
  if (tooLarge) stepFailed(d, event.stepId, tooLarge);
  else if (event.status === "succeeded") d.finish(event.stepId, "succeeded", { output: event.output ?? null });
  else stepFailed(d, event.stepId, event.error ?? { message: `child run ${event.childRunId} ${event.status}` });
  return "settle";
}
