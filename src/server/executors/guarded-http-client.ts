import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { Json } from "~/engine/json";
import type { ExecutionResult } from "~/engine/ports";
import type { StepError } from "~/engine/scheduler/types";
import { abortOutcome } from "./abort-outcome";
import { redactJson, redactSecrets } from "./redact-secrets";
import { createSsrfGuard, type ResolvedAddress, type SsrfGuardOptions } from "./ssrf-guard";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";

/** One request as an executor asks for it (the http step's params, or an agent/llm call built by code). */
export interface HttpRequestSpec {
  method: HttpMethod;
  url: string;
  headers?: Readonly<Record<string, string>>;
  /** Sent as JSON (`content-type: application/json` unless a header says otherwise); undefined: no body. */
  body?: Json;
  /** Accepted final statuses. @default any 2xx */
  expectStatus?: number | readonly number[];
  /** Whole exchange, redirects included. @default the client's defaultTimeoutMs */
  timeoutMs?: number;
}

/** What a step's execution contributes to a request. */
export interface HttpRequestContext {
  /** Aborted on cancel or timeout of the step. */
  signal: AbortSignal;
  /** Secrets to replace by `***` in the output and error messages. */
  redact: readonly string[];
  /** Sent as the idempotency header (see GuardedHttpClientOptions.idempotencyHeader). */
  idempotencyKey: string;
}

/**
 * The output of a successful request:
 * - `status`: final HTTP status (after redirects);
 * - `url`: final URL, without user:password;
 * - `headers`: the response headers named in `responseHeaders`, lowercase names;
 * - `body`: parsed JSON when the response says it is JSON (`application/json`, `*+json`) and parses,
 *   otherwise the text (UTF-8); `null` for HEAD and empty bodies;
 * - `truncated`: the body was longer than `maxResponseBytes` and was cut (then it is text).
 */
export type HttpStepOutput = {
  status: number;
  url: string;
  headers: { [name: string]: string };
  body: Json;
  truncated: boolean;
};

/** Response headers copied into the output. Never set-cookie: outputs are shown to people. */
export const DEFAULT_RESPONSE_HEADERS: readonly string[] = [
  "content-type",
  "content-length",
  "etag",
  "last-modified",
  "location",
  "retry-after",
  "x-request-id",
];

export interface GuardedHttpClientOptions extends SsrfGuardOptions {
  /** Largest response body read, in bytes; the rest is dropped and `truncated` set. @default 1048576 */
  maxResponseBytes?: number;
  /** Redirects followed (each hop re-checked by the SSRF guard). @default 5 */
  maxRedirects?: number;
  /** Timeout when the request names none; the step's own timeout still aborts the signal. @default 300000 */
  defaultTimeoutMs?: number;
  /** Response headers kept in the output. @default DEFAULT_RESPONSE_HEADERS */
  responseHeaders?: readonly string[];
  /** @default "wf-orchestrator" */
  userAgent?: string;
  /**
   * Header carrying the step's idempotency key (`run:step:attempt`) unless the request sets it,
   * so a receiver can drop a duplicate delivery of the same attempt. false: none.
   * @default "Idempotency-Key"
   */
  idempotencyHeader?: string | false;
}

export interface GuardedHttpClient {
  /** Performs the request; never throws for network, status or policy problems (they are failures). */
  request(spec: HttpRequestSpec, context: HttpRequestContext): Promise<ExecutionResult>;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: Buffer;
  truncated: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin (as browsers and curl do). */
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);
const BODY_EXCERPT = 500;

const hasHeader = (headers: Readonly<Record<string, string>>, name: string) =>
  Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());

const isJsonType = (contentType: string | undefined) =>
  contentType !== undefined && /^\s*(application\/([\w.-]+\+)?json|text\/json)\s*(;|$)/i.test(contentType);

function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}

/** Connects to the checked addresses only, whatever DNS answers by the time the socket opens. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const list = wanted.length > 0 ? wanted : addresses;
    const first = list[0];
    if (options.all) callback(null, list.map((a) => ({ address: a.address, family: a.family })));
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error("no pinned address"), { code: "ENOTFOUND" }), "", 0);
  };
}

function exchange(
  url: URL,
  method: HttpMethod,
  headers: Record<string, string>,
  body: Buffer | undefined,
  pinned: readonly ResolvedAddress[] | undefined,
  signal: AbortSignal,
  maxBytes: number,
): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    let response: http.IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolvePromise({ status: response?.statusCode ?? 0, headers: response?.headers ?? {}, bytes: Buffer.concat(chunks), truncated });
    };
    const onAbort = () => {
      response?.destroy();
      request.destroy();
      settle(new Error("aborted"));
    };
    const auth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const requestOptions: https.RequestOptions = {
      method,
      hostname,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers,
      auth,
      // A fresh connection per request: a pooled socket could be connected to another address.
      agent: false,
      lookup: pinned ? pinnedLookup(pinned) : undefined,
    };
    // Throws synchronously on invalid header names or values.
    const request = url.protocol === "https:" ? https.request(requestOptions) : http.request(requestOptions);
    signal.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error) => settle(error));
    request.on("response", (res) => {
      response = res;
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = maxBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size = maxBytes;
          truncated = true;
          settle(undefined);
          res.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", () => settle(undefined));
      res.on("error", (error) => settle(error));
      res.on("aborted", () => settle(new Error("connection closed before the response ended")));
    });
    request.end(body);
  });
}

function statusMatches(status: number, expect: number | readonly number[] | undefined): boolean {
  if (expect === undefined) return status >= 200 && status <= 299;
  return typeof expect === "number" ? status === expect : expect.includes(status);
}

function describeExpected(expect: number | readonly number[] | undefined): string {
  if (expect === undefined) return "2xx";
  return typeof expect === "number" ? String(expect) : expect.join(" or ");
}

function decodeBody(raw: RawResponse, method: HttpMethod): Json {
  if (method === "HEAD" || raw.bytes.length === 0) return null;
  const text = raw.bytes.toString("utf8");
  if (!raw.truncated && isJsonType(raw.headers["content-type"])) {
    try {
      // JSON.parse only produces JSON values; the cast states it for the type checker.
      return JSON.parse(text) as Json;
    } catch {
      // A server mislabelling text as JSON: keep the text rather than failing the step.
    }
  }
  return text;
}

const sleepUntilAbort = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(new Error("aborted"));
    signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
  });

/**
 * HTTP client of executors: SSRF-guarded on every hop (the initial URL and each redirect), pinned to
 * the checked addresses, bounded in time and size, redacting secrets from what it reports. The http
 * executor is a thin params parser over it; an `agent` or `llm` executor can reuse it with its own
 * default URL, headers and body.
 */
export function createGuardedHttpClient(options: GuardedHttpClientOptions = {}): GuardedHttpClient {
  const guard = createSsrfGuard(options);
  const maxBytes = options.maxResponseBytes ?? 1_048_576;
  const maxRedirects = options.maxRedirects ?? 5;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 300_000;
  const keepHeaders = (options.responseHeaders ?? DEFAULT_RESPONSE_HEADERS).map((h) => h.toLowerCase());
  const userAgent = options.userAgent ?? "wf-orchestrator";
  const idempotencyHeader = options.idempotencyHeader ?? "Idempotency-Key";

  async function request(spec: HttpRequestSpec, context: HttpRequestContext): Promise<ExecutionResult> {
    const { redact } = context;
    const fail = (error: StepError): ExecutionResult => ({ ok: false, error: { ...error, message: redactSecrets(error.message, redact) } });
    if (context.signal.aborted) return { ok: false, error: abortOutcome(context.signal) };

    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      return fail({ code: "invalid_params", message: `http step: invalid URL ${JSON.stringify(spec.url)}` });
    }
    const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([context.signal, timeout]);

    let method = spec.method;
    const headers: Record<string, string> = { ...spec.headers };
    if (!hasHeader(headers, "user-agent")) headers["user-agent"] = userAgent;
    if (idempotencyHeader !== false && !hasHeader(headers, idempotencyHeader)) headers[idempotencyHeader] = context.idempotencyKey;
    let body: Buffer | undefined;
    if (spec.body !== undefined) {
      body = Buffer.from(JSON.stringify(spec.body), "utf8");
      if (!hasHeader(headers, "content-type")) headers["content-type"] = "application/json";
    }

    try {
      for (let hop = 0; ; hop++) {
        const verdict = await Promise.race([guard.check(url), sleepUntilAbort(signal)]);
        if (!verdict.ok) {
          const error = hop === 0 ? verdict.error : { ...verdict.error, message: `${verdict.error.message} (redirect to ${withoutCredentials(url)})` };
          return fail(error);
        }
        const sentHeaders = { ...headers };
        if (body !== undefined) sentHeaders["content-length"] = String(body.length);
        let raw: RawResponse;
        try {
          raw = await exchange(url, method, sentHeaders, body, verdict.pinned, signal, maxBytes);
        } catch (error) {
          if (signal.aborted) throw error;
          const code = (error as NodeJS.ErrnoException).code;
          const reason = error instanceof Error ? error.message : String(error);
          if (code === "ERR_INVALID_HTTP_TOKEN" || code === "ERR_INVALID_CHAR") {
            return fail({ code: "invalid_params", message: `http step: invalid header: ${reason}` });
          }
          return fail({ code: "network_error", message: `http step: ${method} ${withoutCredentials(url)} failed: ${reason}` });
        }

        const location = raw.headers.location;
        if (REDIRECTS.has(raw.status) && location !== undefined && !statusMatches(raw.status, spec.expectStatus)) {
          if (hop >= maxRedirects) {
            return fail({ code: "too_many_redirects", message: `http step: more than ${maxRedirects} redirects from ${withoutCredentials(new URL(spec.url))}` });
          }
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            return fail({ code: "network_error", message: `http step: invalid redirect location ${JSON.stringify(location)}` });
          }
          // 303 always, 301/302 after POST: the follow-up is a GET without body (as browsers do).
          if ((raw.status === 303 && method !== "HEAD") || ((raw.status === 301 || raw.status === 302) && method === "POST")) {
            method = "GET";
            body = undefined;
            for (const k of Object.keys(headers)) if (k.toLowerCase() === "content-type") delete headers[k];
          }
          if (next.origin !== url.origin) {
            for (const k of Object.keys(headers)) if (CREDENTIAL_HEADERS.has(k.toLowerCase())) delete headers[k];
          }
          url = next;
          continue;
        }

        const output: HttpStepOutput = {
          status: raw.status,
          url: withoutCredentials(url),
          headers: {},
          body: decodeBody(raw, method),
          truncated: raw.truncated,
        };
        for (const name of keepHeaders) {
          const value = raw.headers[name];
          if (value !== undefined) output.headers[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        if (!statusMatches(raw.status, spec.expectStatus)) {
          const text = raw.bytes.toString("utf8");
          const excerpt = text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}…` : text;
          return fail({
            code: "unexpected_status",
            message: `http step: ${method} ${output.url} answered ${raw.status} (expected ${describeExpected(spec.expectStatus)})${excerpt ? `: ${excerpt}` : ""}`,
          });
        }
        return { ok: true, output: redactJson(output, redact) };
      }
    } catch (error) {
      if (context.signal.aborted) return { ok: false, error: abortOutcome(context.signal) };
      if (timeout.aborted) return { ok: false, error: { code: "timeout", message: `http step timed out after ${timeoutMs} ms` } };
      throw error;
    }
  }

  return { request };
}
