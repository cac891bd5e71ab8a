/**
 * The errors of the SQL store, typed so that callers tell them apart by code (never by message),
 * and services map them once (appErrorOf in server/errors.ts). The store's own retry loops catch
 * StaleError and NeedsTransaction themselves; what escapes the store reaches a service or the worker.
 */
export type StoreErrorCode = "stale" | "needs_transaction" | "unknown_workflow_version" | "invalid_step_state";

export class StoreError extends Error {
  // One name for every store error (so a check by name works across bundles); `code` says which.
  override readonly name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A write's expectation failed: what the transaction was based on changed meanwhile. */
export class StaleError extends StoreError {
  constructor(message: string) {
    super("stale", message);
  }
}

/** A one-statement commit (SqlDb.commitOnce) needs what only a transaction gives (a read in it). */
export class NeedsTransaction extends StoreError {
  constructor() {
    super("needs_transaction", "needs a transaction");
  }
}

/** A run names a workflow version the database does not hold. */
export class UnknownWorkflowVersion extends StoreError {
  constructor(readonly versionId: string) {
    super("unknown_workflow_version", `workflow version ${versionId} not found`, { versionId });
  }
}

/** A StepRun row's `state` is not a step record (step-state.ts): the row was written by something else. */
export class InvalidStepState extends StoreError {
  constructor(problem: string, text: string) {
    super("invalid_step_state", `a StepRun state is ${problem}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
  }
}
