import type { z } from "zod";
import type { ExecutionResult } from "~/engine/ports";

/**
 * The failure for params an executor cannot run. The code marks it as not worth retrying: the
 * same params fail the same way (the worker's retry_if can test `error.code`).
 */
export function invalidParams(message: string): ExecutionResult {
  return { ok: false, error: { code: "invalid_params", message } };
}

/** Formats zod issues as `path: message; path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `params.${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}
