import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { RUN_STATUSES, STEP_STATUSES } from "~/engine/status";
import { EXIT, exitCodeForHttp, type ExitCode } from "./exit-codes";
import { MISSING_TOKEN, type CliConfig } from "./load-config";

/**
 * The REST responses the CLI reads (API.md; the server's ZRun in src/server/services/runs.ts, with
 * dates as ISO strings). One schema per boundary: a response that does not match is a server error
 * (exit 4), not a crash deep in a formatter.
 */
/** Tries of one run start (the first and two retries), 1 s then 2 s apart. */
const START_ATTEMPTS = 3;
const START_RETRY_MS = 1000;

const ZDate = z.string().nullable().default(null);
const ZStepError = z.object({ message: z.string(), code: z.string().optional(), exit_code: z.number().optional() }).nullable().default(null);

export const ZRunStep = z.object({
  id: z.string(),
  type: z.string().default(""),
  status: z.enum(STEP_STATUSES),
  attempt: z.number().int().default(0),
  startedAt: ZDate,
  finishedAt: ZDate,
  output: z.unknown().optional(),
  error: ZStepError,
  reason: z.string().nullable().default(null),
  needs: z.array(z.string()).default([]),
});
export type TRunStep = z.infer<typeof ZRunStep>;

export const ZRunSummary = z.object({
  id: z.string(),
  workflow: z.string(),
  version: z.number().int(),
  status: z.enum(RUN_STATUSES),
  approvalMode: z.string().default("interactive"),
  startedBy: z.string().nullable().default(null),
  createdAt: z.string(),
  startedAt: ZDate,
  finishedAt: ZDate,
  reason: z.string().nullable().default(null),
  progress: z.object({ total: z.number().int(), done: z.number().int(), running: z.number().int() }),
});
export type TRunSummary = z.infer<typeof ZRunSummary>;

export const ZRun = ZRunSummary.extend({
  inputs: z.record(z.string(), z.unknown()).default({}),
  outputs: z.record(z.string(), z.unknown()).nullable().default(null),
  steps: z.array(ZRunStep),
});
export type TRun = z.infer<typeof ZRun>;

export const ZRunPage = z.object({ items: z.array(ZRunSummary), nextCursor: z.string().nullable().default(null) });
export type TRunPage = z.infer<typeof ZRunPage>;

export const ZLogLine = z.object({ seq: z.number().int(), attempt: z.number().int().default(1), stream: z.string(), text: z.string(), at: z.string() });
export type TLogLine = z.infer<typeof ZLogLine>;
export const ZLogPage = z.object({ lines: z.array(ZLogLine), nextAfter: z.number().int(), done: z.boolean().default(false) });
export type TLogPage = z.infer<typeof ZLogPage>;

export const ZSavedWorkflow = z.object({ name: z.string(), version: z.number().int(), created: z.boolean() });

/** An approval gate (the server's ZApproval in src/server/services/approvals/approvals.types.ts, dates as ISO strings). */
export const ZApprovalDecision = z.object({
  actor: z.string(),
  action: z.string(),
  comment: z.string().nullable().default(null),
  payload: z.unknown().optional(),
  at: z.string(),
});
export const ZApproval = z.object({
  id: z.string(),
  runId: z.string(),
  stepId: z.string(),
  attempt: z.number().int().default(1),
  workflow: z.string(),
  status: z.string(),
  policy: z.record(z.string(), z.unknown()).default({}),
  output: z.unknown().optional(),
  requestedAt: z.string(),
  expiresAt: ZDate,
  decidedAt: ZDate,
  decidedBy: z.string().nullable().default(null),
  startedBy: z.string().nullable().default(null),
  decisions: z.array(ZApprovalDecision).default([]),
  /** whether the caller may decide it now, and why not */
  canDecide: z.object({ ok: z.boolean(), reason: z.string().optional() }),
});
export type TApproval = z.infer<typeof ZApproval>;

/** One gate of a batch decision: decided (`status`) or refused (`error`). */
export const ZBatchResult = z.object({
  id: z.string(),
  ok: z.boolean(),
  status: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type TBatchResult = z.infer<typeof ZBatchResult>;

export const ZAuditVerification = z.object({ ok: z.boolean(), rows: z.number().int(), badRowId: z.number().int().optional(), reason: z.string().optional() });
export type TAuditVerification = z.infer<typeof ZAuditVerification>;

export const ZAuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  hash: z.string(),
});
export type TAuditEntry = z.infer<typeof ZAuditEntry>;

const ZErrorBody = z.object({ message: z.string(), code: z.string().optional() });

/** A request that did not work; `exitCode` says whose fault (2: the request's, 4: server or network). */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** HTTP status; undefined when no response came back */
    readonly status?: number,
    readonly code?: string,
    /** the server's own message (a refusal's reason), without the method, path and status */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type Fetch = typeof fetch;
export type RunControl = "cancel" | "pause" | "resume" | "retry";
export const GATE_ACTIONS = ["approve", "modify", "retry", "skip", "reject", "cancel"] as const;
export type GateAction = (typeof GATE_ACTIONS)[number];
export type Decide = { action: GateAction; comment?: string; payload?: unknown; form?: Record<string, unknown>; nextParams?: Record<string, unknown> };
export type StartRun = { workflow: string; version?: number; inputs?: Record<string, unknown>; approvalMode?: "interactive" | "auto" };

/** Typed REST client of /api/v1 (API.md). `fetchImpl` is injectable for unit tests. */
export class ApiClient {
  constructor(
    readonly config: Pick<CliConfig, "server" | "token">,
    private readonly fetchImpl: Fetch = fetch,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Where a person looks at a run in the web app. */
  runUrl(id: string): string {
    return `${this.config.server}/runs/${encodeURIComponent(id)}`;
  }

  /**
   * Starts a run. A network failure or a 5xx (the start may have gone through) is retried, twice,
   * with the same Idempotency-Key: the server then answers with the run already started, so a
   * retry never starts a second one.
   */
  async startRun(body: StartRun, key: string = randomUUID()): Promise<TRun> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.request("POST", "/runs", ZRun, body, { "idempotency-key": key });
      } catch (err) {
        if (!(err instanceof ApiError) || err.exitCode !== EXIT.server || attempt >= START_ATTEMPTS) throw err;
        await sleep(START_RETRY_MS * attempt);
      }
    }
  }
  getRun(id: string): Promise<TRun> {
    return this.request("GET", `/runs/${encodeURIComponent(id)}`, ZRun);
  }
  listRuns(query: { status?: string; workflow?: string; cursor?: string; limit?: number }): Promise<TRunPage> {
    return this.request("GET", `/runs${queryString(query)}`, ZRunPage);
  }
  stepLogs(id: string, stepId: string, query: { after?: number; limit?: number }): Promise<TLogPage> {
    return this.request("GET", `/runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(stepId)}/logs${queryString(query)}`, ZLogPage);
  }
  controlRun(id: string, action: RunControl): Promise<TRun> {
    return this.request("POST", `/runs/${encodeURIComponent(id)}/${action}`, ZRun, {});
  }
  saveWorkflow(yaml: string): Promise<z.infer<typeof ZSavedWorkflow>> {
    return this.request("POST", "/workflows", ZSavedWorkflow, { yaml });
  }

  listApprovals(query: { status?: string; runId?: string }): Promise<TApproval[]> {
    return this.request("GET", `/approvals${queryString(query)}`, z.array(ZApproval));
  }
  getApproval(id: string): Promise<TApproval> {
    return this.request("GET", `/approvals/${encodeURIComponent(id)}`, ZApproval);
  }
  /** 403 with the reason when the caller may not decide, 409 when the gate is already decided. */
  decideApproval(id: string, body: Decide): Promise<TApproval> {
    return this.request("POST", `/approvals/${encodeURIComponent(id)}/decisions`, ZApproval, body);
  }
  /** Each gate decided on its own; refusals come back in the results, not as an HTTP error. */
  decideApprovals(body: { ids: string[]; action: "approve" | "reject"; comment?: string }): Promise<TBatchResult[]> {
    return this.request("POST", "/approvals/decisions", z.array(ZBatchResult), body);
  }
  verifyAudit(): Promise<TAuditVerification> {
    return this.request("GET", "/audit/verify", ZAuditVerification);
  }
  listAudit(query: { actor?: string; action?: string; target?: string; from?: string; to?: string; after?: number; limit?: number }): Promise<TAuditEntry[]> {
    return this.request("GET", `/audit${queryString(query)}`, z.array(ZAuditEntry));
  }

  private async request<T extends z.ZodType>(method: "GET" | "POST", path: string, schema: T, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<z.infer<T>> {
    const url = `${this.config.server}/api/v1${path}`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: {
          authorization: `Bearer ${this.config.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...extraHeaders,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ApiError(`cannot reach ${this.config.server}: ${describeNetworkError(err)} (is the server running? set WF_SERVER or pass --server)`, EXIT.server);
    }
    const text = await res.text().catch(() => "");
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const parsed = ZErrorBody.safeParse(json);
      const detail = parsed.success ? parsed.data.message : text.slice(0, 200) || res.statusText;
      const hint = res.status === 401 ? ` (the server rejected the token: ${MISSING_TOKEN})` : "";
      throw new ApiError(`${method} ${path}: HTTP ${res.status}: ${detail}${hint}`, exitCodeForHttp(res.status), res.status, parsed.success ? parsed.data.code : undefined, detail);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(`${method} ${path}: unexpected response from the server (${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"})`, EXIT.server, res.status);
    }
    return parsed.data;
  }
}

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return "request timed out";
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return "code" in cause && typeof cause.code === "string" ? cause.code : cause.message;
    return err.message;
  }
  return String(err);
}
