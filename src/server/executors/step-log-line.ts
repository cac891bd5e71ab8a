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

/** Receives step log lines in the order each stream produced them. Must not throw (errors are ignored). */
export type OnStepLog = (line: StepLogLine) => void;
