/**
 * One error model (CONVENTIONS.md #7): the engine throws EngineError(code), services throw
 * AppError(code); `appErrorOf` is the one place an engine error becomes an AppError, and
 * src/server/api maps AppError codes to tRPC codes (and so to HTTP statuses) in one table. Nothing
 * below src/server/api throws TRPCError.
 */
import type { EngineError, EngineErrorCode } from "~/engine";

export type AppErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "PAYLOAD_TOO_LARGE"
  | "TOO_MANY_REQUESTS";

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
};

/**
 * What each engine error means to a caller: an AppError code (and how its message reads), or null
 * for a fault of the server (it stays a 500 and is logged). A new engine code does not compile
 * until it is placed here.
 */
const ENGINE_ERRORS: Record<EngineErrorCode, { code: AppErrorCode; message?: (engineMessage: string) => string } | null> = {
  // the workflow's inputs given to a start (create-run.ts)
  invalid_input: { code: "BAD_REQUEST", message: (m) => `Invalid inputs: ${m}.` },
  // inputs over RUN_INPUTS_MAX_BYTES / RUN_INPUT_MAX_BYTES (create-run.ts), before anything reads them
  input_too_large: { code: "PAYLOAD_TOO_LARGE", message: (m) => `Inputs too large: ${m}.` },
  // a control the run's state refuses (a run retry over a foreach that already ran its items)
  conflict: { code: "CONFLICT" },
  // Definitions are validated when saved, and services find runs and steps in the caller's team
  // first (NOT_FOUND): when the engine meets one of these, the server is at fault.
  invalid_definition: null,
  invalid_event: null,
  unknown_step: null,
  unknown_run: null,
  expression_error: null,
  invalid_duration: null,
  // the store's signal to load more records (caught by its own loop), and broken invariants
  state_incomplete: null,
  internal: null,
};

// By name and shape, not instanceof: Next.js bundles the engine and the server more than once (the
// route handlers, the instrumentation hook), and a class from another bundle fails instanceof.
const hasCode = (e: unknown, name: string): e is Error & { code: unknown } => e instanceof Error && e.name === name && typeof (e as { code?: unknown }).code === "string";

/** An EngineError, from whichever bundle threw it. */
export function isEngineError(e: unknown): e is EngineError {
  return hasCode(e, "EngineError") && Object.hasOwn(ENGINE_ERRORS, e.code as string);
}

/** An AppError, from whichever bundle threw it. */
export function isAppError(e: unknown): e is AppError {
  return hasCode(e, "AppError") && Object.hasOwn(HTTP_STATUS, e.code as string);
}

/**
 * The AppError an error stands for: itself, the mapping of an engine error a caller can act on,
 * or undefined (a fault of the server: let it propagate as a 500). Every boundary that turns
 * errors into answers (tRPC, REST routes, batch results, sign-in) asks this one function.
 */
export function appErrorOf(e: unknown): AppError | undefined {
  if (isAppError(e)) return e;
  if (!isEngineError(e)) return undefined;
  const to = ENGINE_ERRORS[e.code];
  return to ? new AppError(to.code, to.message ? to.message(e.message) : e.message, e.details) : undefined;
}
