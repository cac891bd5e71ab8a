/**
 * One error model (CONVENTIONS.md #7): the engine throws EngineError(code), the SQL store
 * StoreError(code), services AppError(code); `appErrorOf` is the one place an engine or store error
 * becomes an AppError, and src/server/api maps AppError codes to tRPC codes (and so to HTTP
 * statuses) in one table. Nothing below src/server/api throws TRPCError.
 */
import type { EngineError, EngineErrorCode } from "~/engine";
import type { StoreError, StoreErrorCode } from "~/server/store/store-errors";

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

/** An AppError code for an engine or store error (and how its message reads), or null: a fault of the server. */
type Mapping = { code: AppErrorCode; message?: (original: string) => string } | null;

/**
 * What each engine error means to a caller: an AppError code (and how its message reads), or null
 * for a fault of the server (it stays a 500 and is logged). A new engine code does not compile
 * until it is placed here.
 */
const ENGINE_ERRORS: Record<EngineErrorCode, Mapping> = {
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
  invalid_size: null,
  // the store's signal to load more records (caught by its own loop), and broken invariants
  state_incomplete: null,
  internal: null,
};

/** The same for the SQL store's errors (store-errors.ts). */
const STORE_ERRORS: Record<StoreErrorCode, Mapping> = {
  // What the transaction was based on changed meanwhile (a guarded write changed no row).
  stale: { code: "CONFLICT", message: (m) => `This changed at the same moment (${m}); reload and try again.` },
  // the store's signal to leave a one-statement commit for a transaction (caught by the store)
  needs_transaction: null,
  // runs name versions the database holds (services find versions first): a fault
  unknown_workflow_version: null,
  // a StepRun row the store did not write: a fault
  invalid_step_state: null,
};

// By name and shape, not instanceof: Next.js bundles the engine and the server more than once (the
// route handlers, the instrumentation hook), and a class from another bundle fails instanceof.
const hasCode = (e: unknown, name: string): e is Error & { code: unknown } => e instanceof Error && e.name === name && typeof (e as { code?: unknown }).code === "string";

/** An EngineError, from whichever bundle threw it. */
export function isEngineError(e: unknown): e is EngineError {
  return hasCode(e, "EngineError") && Object.hasOwn(ENGINE_ERRORS, e.code as string);
}

/** A StoreError, from whichever bundle threw it (the store is one per process, made by the first bundle that asks). */
export function isStoreError(e: unknown): e is StoreError {
  return hasCode(e, "StoreError") && Object.hasOwn(STORE_ERRORS, e.code as string);
}

/** An AppError, from whichever bundle threw it. */
export function isAppError(e: unknown): e is AppError {
  return hasCode(e, "AppError") && Object.hasOwn(HTTP_STATUS, e.code as string);
}

/**
 * The AppError an error stands for: itself, the mapping of an engine or store error a caller can act on,
 * or undefined (a fault of the server: let it propagate as a 500). Every boundary that turns
 * errors into answers (tRPC, REST routes, batch results, sign-in) asks this one function.
 */
export function appErrorOf(e: unknown): AppError | undefined {
  if (isAppError(e)) return e;
  const known = isEngineError(e) ? { error: e, to: ENGINE_ERRORS[e.code] } : isStoreError(e) ? { error: e, to: STORE_ERRORS[e.code] } : undefined;
  if (!known?.to) return undefined;
  const { error, to } = known;
  return new AppError(to.code, to.message ? to.message(error.message) : error.message, error.details);
}
