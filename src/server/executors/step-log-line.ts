/** One line a step printed, as executors hand it to the worker (which stores and streams it). */
export interface StepLogLine {
  runId: string;
  stepId: string;
  attempt: number;
  stream: "stdout" | "stderr";
  /** Without its newline; secrets replaced by `***`; at most the executor's line cap. */
  line: string;
  /** Milliseconds since the epoch when the line was complete. */
  at: number;
}

/**
 * Receives step log lines in the order each stream produced them. Must not throw (errors are
 * ignored). A returned promise is back-pressure: the executor stops reading the process's output
 * until it settles, so a process printing faster than lines are stored waits instead of growing
 * the worker's memory or losing lines.
 */
export type OnStepLog = (line: StepLogLine) => unknown;
