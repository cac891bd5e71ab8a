import { ZNoopParams } from "~/engine/definition/schema";
import type { Executor } from "~/engine/ports";
import { describeIssues, invalidParams } from "./invalid-params";
import { redactJson } from "./redact-secrets";

/**
 * Runs `noop` steps: succeeds at once with `params.output` (rendered by the engine), or `{}`.
 * Useful as a join point, a placeholder while designing, or to publish computed values.
 */
export function createNoopExecutor(): Executor {
  return {
    async execute(execution) {
      const params = execution.params ?? {};
      const parsed = ZNoopParams.safeParse(params);
      if (!parsed.success) return invalidParams(`noop step: ${describeIssues(parsed.error)}`);
      // Read the output from the Json params, not the parse result (typed unknown by the schema).
      const output = typeof params === "object" && !Array.isArray(params) ? params.output : undefined;
      return { ok: true, output: redactJson(output ?? {}, execution.redact) };
    },
  };
}
