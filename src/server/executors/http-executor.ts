import { ZHttpParams } from "~/engine/definition/schema";
import { parseDuration } from "~/engine/duration";
import type { Executor } from "~/engine/ports";
import { createGuardedHttpClient, type GuardedHttpClientOptions } from "./guarded-http-client";
import { describeIssues, invalidParams } from "./invalid-params";

/** Options of the http executor: those of its guarded client (allow-list, limits, headers). */
export type HttpExecutorOptions = GuardedHttpClientOptions;

/**
 * Runs `http` steps: `params.method` (GET) to `params.url` with `params.headers`, `params.body`
 * (a JSON value, already rendered by the engine) sent as JSON, succeeding when the final status is
 * in `params.expect_status` (default any 2xx). Redirects are followed (at most 5) unless the
 * redirect status itself is expected. Output: see HttpStepOutput (`{ status, url, headers, body,
 * truncated }`). Private, loopback, link-local, CGNAT and metadata destinations are refused unless
 * allow-listed (`allowHosts`, from HTTP_ALLOW_HOSTS), for the URL's host, every DNS answer and
 * every redirect. `params.timeout` bounds the exchange; the step's signal aborts it too.
 */
export function createHttpExecutor(options: HttpExecutorOptions = {}): Executor {
  const client = createGuardedHttpClient(options);
  return {
    async execute(execution) {
      const parsed = ZHttpParams.safeParse(execution.params);
      if (!parsed.success) return invalidParams(`http step: ${describeIssues(parsed.error)}`);
      const params = parsed.data;
      // The schema types body as unknown: take it from the Json params instead (validated above).
      const raw = execution.params;
      const body = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? raw.body : undefined;
      return client.request(
        {
          method: params.method,
          url: params.url,
          headers: params.headers,
          body,
          expectStatus: params.expect_status,
          timeoutMs: params.timeout === undefined ? undefined : parseDuration(params.timeout),
        },
        { signal: execution.signal, redact: execution.redact, idempotencyKey: execution.idempotencyKey },
      );
    },
  };
}
