import type { Executor } from "~/engine/ports";
import { redactSecrets } from "./redact-secrets";

/**
 * Turns an exception escaping an executor (a bug, a full disk) into a failed step with code
 * `executor_error`, so one bad step never takes the worker down. The message is redacted like
 * any other output of the step.
 */
export function withErrorBoundary(name: string, executor: Executor): Executor {
  return {
    async execute(execution) {
      try {
        return await executor.execute(execution);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return {
          ok: false,
          error: { code: "executor_error", message: redactSecrets(`${name} executor failed: ${reason}`, execution.redact) },
        };
      }
    },
  };
}
