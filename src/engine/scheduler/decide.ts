import { ExpressionMeter, type ExpressionLimits } from "../expressions/expression-meter";
import type { Plan } from "../graph/compile-plan";
import { isRunTerminal } from "../status";
import { onGateDecided } from "./decide-gate";
import type { EventHandler } from "./decision-draft";
import { onRunRetryRequested } from "./retry-run";
import { onRunCancelRequested, onRunPauseRequested, onRunResumeRequested, onRunStarted, onRunTimedOut } from "./run-events";
import { onRetryTimerFired, onStepFailed, onStepSucceeded, onStepTimedOut, onSubworkflowFinished, onWaitTimerFired } from "./step-events";
import { StepFlow } from "./step-flow";
import type { Decision, EngineEvent, EngineEventType, RunState } from "./types";

export { RETRY_CANDIDATE_STATUSES } from "./retry-run";

// decide() is a dispatcher: one handler per event kind. The table is a mapped type over the
// event kinds, so a new EngineEvent does not compile until it has its handler here.
//
//   event ──► handler (step-events / run-events / decide-gate / retry-run)
//               │ calls the transitions of step-flow.ts (ready, finish, needFinished, abortRun),
//               │ which call foreach.ts, decide-gate.ts (openGate), start-step.ts, step-failure.ts
//               ▼
//             "settle": fillSlots (start ready steps within the run's concurrency) + settle (run status)
//             "done":   nothing more (a stale event, a pause)
//               ▼
//             { patch (records, counters derived by put(), run fields), commands }

const HANDLERS: { readonly [K in EngineEventType]: EventHandler<K> } = {
  run_started: onRunStarted,
  step_succeeded: onStepSucceeded,
  step_failed: onStepFailed,
  step_timed_out: onStepTimedOut,
  retry_timer_fired: onRetryTimerFired,
  gate_decided: onGateDecided,
  run_cancel_requested: onRunCancelRequested,
  run_pause_requested: onRunPauseRequested,
  run_resume_requested: onRunResumeRequested,
  run_retry_requested: onRunRetryRequested,
  wait_timer_fired: onWaitTimerFired,
  subworkflow_finished: onSubworkflowFinished,
  run_timed_out: onRunTimedOut,
};

/** The events a finished run still accepts: every other one is an empty decision on it. */
const ON_FINISHED_RUNS: ReadonlySet<EngineEventType> = new Set<EngineEventType>(["run_retry_requested"]);

/** What the caller of decide() configures (the engine itself reads no configuration). */
export interface DecideOptions {
  /** The budget of this decision's expressions. @default 50 ms of virtual time (no clock) */
  expressions?: ExpressionLimits;
  /** Largest step output, as UTF-8 JSON: a larger one fails the step (`output_too_large`). @default 1 MiB */
  outputMaxBytes?: number;
}

/** @default 1 MiB: the largest output a step may publish (STEP_OUTPUT_MAX_BYTES on the server). */
export const DEFAULT_OUTPUT_MAX_BYTES = 1024 * 1024;

/**
 * The whole state machine of a run as a pure function: given the touched part of a run and one
 * event, returns a patch and the commands to execute. The input is never mutated. Stale or
 * duplicate events (an old attempt, a step already finished) produce an empty decision, so
 * at-least-once delivery is safe.
 */
export function decide(plan: Plan, state: RunState, event: EngineEvent, options: DecideOptions = {}): Decision {
  const d = new StepFlow(plan, state, event.at, new ExpressionMeter(options.expressions), options.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES);
  if (isRunTerminal(state.run.status) && !ON_FINISHED_RUNS.has(event.type)) return d.result();
  // The table pairs each kind with its handler; TypeScript cannot narrow the pair through the index.
  const handler = HANDLERS[event.type] as EventHandler<EngineEventType>;
  if (handler(d, event) === "settle") {
    d.fillSlots();
    d.settle();
  }
  return d.result();
}
