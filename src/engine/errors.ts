/** Machine-readable codes of errors thrown by the engine. Services map them once to HTTP/tRPC codes. */
export type EngineErrorCode =
  | "invalid_definition"
  | "invalid_event"
  | "state_incomplete"
  | "unknown_step"
  | "unknown_run"
  | "expression_error"
  | "invalid_duration"
  | "invalid_size"
  | "invalid_input"
  | "input_too_large"
  | "conflict"
  | "internal";

/** The one error type of the engine (CONVENTIONS.md #7). */
export class EngineError extends Error {
  override readonly name = "EngineError";
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Exhaustiveness guard for tagged unions: the compiler proves this is unreachable. */
export function assertNever(value: never, what = "value"): never {
  throw new EngineError("internal", `unexpected ${what}: ${JSON.stringify(value)}`);
}
