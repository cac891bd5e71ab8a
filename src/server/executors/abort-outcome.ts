import type { StepError } from "~/engine/scheduler/types";

const TIMEOUT_WORDS = /\btime[ds]?[ -]?out/i;

/**
 * The failure to report for an aborted step. The caller (worker) aborts the step's signal both on
 * cancel and on timeout; `signal.reason` tells which: a string or an Error whose name is
 * `TimeoutError` (what `AbortSignal.timeout()` uses) or whose text says "timeout"/"timed out".
 * Anything else, including the default `AbortError`, is a cancel.
 */
export function abortOutcome(signal: AbortSignal): StepError {
  const reason: unknown = signal.reason;
  let text: string | undefined;
  let timedOut = false;
  if (typeof reason === "string") {
    text = reason;
    timedOut = TIMEOUT_WORDS.test(reason);
  } else if (reason instanceof Error || isNamedError(reason)) {
    text = reason.message;
    timedOut = reason.name === "TimeoutError" || TIMEOUT_WORDS.test(reason.message);
    // A plain controller.abort() carries "This operation was aborted": not worth showing.
    if (reason.name === "AbortError") text = undefined;
  }
  if (timedOut) return { code: "timeout", message: text ? `step timed out: ${text}` : "step timed out" };
  return { code: "cancelled", message: text ? `step cancelled: ${text}` : "step cancelled" };
}

// DOMException is an Error in Node 20, but not in every realm (vitest workers): accept its shape.
function isNamedError(v: unknown): v is { name: string; message: string } {
  return typeof v === "object" && v !== null && typeof (v as { name?: unknown }).name === "string" && typeof (v as { message?: unknown }).message === "string";
}
