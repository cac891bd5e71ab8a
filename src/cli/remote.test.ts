import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The REST commands against a real HTTP server, run as a real child process.
 *
 * The server here is a STAND-IN for the app server (Next.js + database + worker is too heavy to boot
 * in a unit test): a tiny node:http server implementing the few /api/v1 endpoints the CLI uses, with
 * canned responses shaped like src/server/services/runs.ts over REST (dates as ISO strings, errors as
 * {message, code} with the HTTP status of src/server/errors.ts). Each run follows a script: every
 * GET /runs/{id} advances it one state, so `--wait` sees real transitions across polls.
 */

const TOKEN = "wf_test_token_0123456789";
const root = join(__dirname, "../..");

type Step = { id: string; status: string; attempt: number; error?: string };
type Script = { status: string; steps: Step[] }[];

const SCRIPTS: Record<string, Script> = {
  //  greet ──► bye
  hello: [
    { status: "queued", steps: [{ id: "greet", status: "pending", attempt: 0 }, { id: "bye", status: "pending", attempt: 0 }] },
    { status: "running", steps: [{ id: "greet", status: "running", attempt: 1 }, { id: "bye", status: "pending", attempt: 0 }] },
    { status: "running", steps: [{ id: "greet", status: "succeeded", attempt: 1 }, { id: "bye", status: "running", attempt: 1 }] },
    { status: "succeeded", steps: [{ id: "greet", status: "succeeded", attempt: 1 }, { id: "bye", status: "succeeded", attempt: 1 }] },
  ],
  //  compile ──► ship
  broken: [
    { status: "queued", steps: [{ id: "compile", status: "pending", attempt: 0 }, { id: "ship", status: "pending", attempt: 0 }] },
    { status: "running", steps: [{ id: "compile", status: "running", attempt: 1 }, { id: "ship", status: "pending", attempt: 0 }] },
    {
      status: "failed",
      steps: [
        { id: "compile", status: "failed", attempt: 1, error: "exit code 2: cc: error: no input files" },
        { id: "ship", status: "skipped", attempt: 0 },
      ],
    },
  ],
  //  checkout ──► build ──► deploy
  //           └─► lint  ──┘
  live: [
    {
      status: "running",
      steps: [
        { id: "checkout", status: "succeeded", attempt: 1 },
        { id: "build", status: "running", attempt: 1 },
        { id: "lint", status: "running", attempt: 2 },
        { id: "deploy", status: "pending", attempt: 0 },
      ],
    },
  ],
};

type FakeRun = { id: string; workflow: string; version: number; approvalMode: string; inputs: Record<string, unknown>; script: Script; polls: number; createdAt: string };

function runBody(r: FakeRun) {
  const state = r.script[Math.min(r.polls, r.script.length - 1)] ?? { status: "queued", steps: [] };
  const started = state.status !== "queued" ? r.createdAt : null;
  const terminal = ["succeeded", "failed", "cancelled"].includes(state.status);
  const steps = state.steps.map((s) => ({
    id: s.id,
    type: "shell",
    status: s.status,
    attempt: s.attempt,
    startedAt: s.attempt > 0 ? r.createdAt : null,
    finishedAt: ["succeeded", "failed", "skipped"].includes(s.status) ? new Date().toISOString() : null,
    output: null,
    error: s.error ? { message: s.error, exit_code: 2 } : null,
    reason: s.status === "skipped" ? "need compile failed" : null,
    needs: [],
    attempts: s.attempt > 0 ? [{ attempt: s.attempt, status: s.status, worker: "w1", startedAt: r.createdAt, finishedAt: null, error: s.error ?? null }] : [],
  }));
  return {
    id: r.id,
    workflow: r.workflow,
    version: r.version,
    status: state.status,
    approvalMode: r.approvalMode,
    startedBy: "ada@example.com",
    createdAt: r.createdAt,
    startedAt: started,
    finishedAt: terminal ? new Date().toISOString() : null,
    reason: state.status === "failed" ? "step compile failed" : null,
    inputs: r.inputs,
    outputs: null,
    parentRunId: null,
    progress: {
      total: steps.length,
      done: steps.filter((s) => ["succeeded", "failed", "skipped", "cancelled"].includes(s.status)).length,
      running: steps.filter((s) => s.status === "running").length,
    },
    steps,
  };
}

/** The log lines of run_logs/greet: the first poll sees two lines, the second the third and done. */
const LOG_LINES = ["hello from greet", "still greeting", "bye from greet"].map((text, i) => ({
  seq: 101 + i,
  attempt: 1,
  stream: "stdout",
  text,
  at: new Date(Date.UTC(2025, 2, 1, 12, 0, i)).toISOString(),
}));

type FakeGate = {
  id: string;
  runId: string;
  stepId: string;
  workflow: string;
  status: string;
  requestedAt: string;
  expiresAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  /** the 403 reason when the caller may not decide it */
  refuse?: string;
  decisions: { actor: string; action: string; comment: string | null; payload?: unknown; form?: unknown; nextParams?: unknown; at: string }[];
};

const GATE_STATUS: Record<string, string> = { approve: "approved", modify: "modified", retry: "retried", skip: "skipped", reject: "rejected", cancel: "cancelled" };
const SELF_APPROVAL = "You started this run; self-approval is not allowed (policy: allow_self_approval is false).";

function gateBody(g: FakeGate) {
  const { refuse, ...rest } = g;
  return {
    ...rest,
    attempt: 1,
    policy: { approvers: ["group:release"], min_approvals: 1 },
    output: { plan: "deploy v2" },
    startedBy: "ada@example.com",
    canDecide: g.status !== "pending" ? { ok: false, reason: "already decided" } : refuse ? { ok: false, reason: refuse } : { ok: true },
  };
}

function fakeGates(): Map<string, FakeGate> {
  const now = Date.now();
  const gate = (id: string, extra: Partial<FakeGate> = {}): [string, FakeGate] => [
    id,
    { id, runId: "run_live", stepId: "deploy", workflow: "live", status: "pending", requestedAt: new Date(now - 5 * 60_000).toISOString(), expiresAt: null, decidedAt: null, decidedBy: null, decisions: [], ...extra },
  ];
  return new Map([
    gate("apr_open", { expiresAt: new Date(now + 2 * 3600_000 + 30_000).toISOString() }),
    gate("apr_mine", { runId: "run_logs", stepId: "publish", workflow: "hello", refuse: SELF_APPROVAL }),
    gate("apr_done", { status: "approved", decidedAt: new Date(now - 60_000).toISOString(), decidedBy: "bob@example.com" }),
    gate("apr_mod"),
    gate("apr_retry"),
    gate("apr_next"),
    gate("apr_form"),
    gate("apr_stage"),
    gate("apr_batch"),
    gate("apr_cancel"),
  ]);
}

class FakeServer {
  runs = new Map<string, FakeRun>();
  gates = fakeGates();
  auditBroken = false;
  /** starts to answer 502 after starting the run (a proxy timing out): the client must retry safely */
  failStartsAfterCreate = 0;
  startKeys: (string | undefined)[] = [];
  private runByKey = new Map<string, string>();
  requests: string[] = [];
  uploads: string[] = [];
  private server: Server = createServer((req, res) => void this.handle(req, res));
  private n = 0;
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    // A run that is already done, for `wf runs` and `wf logs`.
    this.runs.set("run_logs", { id: "run_logs", workflow: "hello", version: 1, approvalMode: "auto", inputs: {}, script: SCRIPTS.hello ?? [], polls: 99, createdAt: "2025-03-01T11:00:00.000Z" });
    // A run that stays running, for `wf runs --watch`.
    this.runs.set("run_live", { id: "run_live", workflow: "live", version: 4, approvalMode: "interactive", inputs: {}, script: SCRIPTS.live ?? [], polls: 0, createdAt: new Date().toISOString() });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: "Sign in or send a valid API token.", code: "UNAUTHORIZED" });
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const path = url.pathname.replace(/^\/api\/v1/, "");
    let m: RegExpMatchArray | null;

    if (req.method === "POST" && path === "/workflows") {
      const yaml = String(body.yaml);
      this.uploads.push(yaml);
      return send(200, { name: /^name:\s*(\S+)/m.exec(yaml)?.[1] ?? "?", version: 3, created: true });
    }
    if (req.method === "POST" && path === "/runs") {
      const workflow = String(body.workflow);
      const script = SCRIPTS[workflow];
      if (!script) return send(404, { message: `No workflow "${workflow}" in team default.`, code: "NOT_FOUND" });
      // The server's Idempotency-Key: the same key answers with the run it started.
      const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : undefined;
      this.startKeys.push(key);
      const known = key === undefined ? undefined : this.runs.get(this.runByKey.get(key) ?? "");
      if (known) return send(200, runBody(known));
      const id = `run_${++this.n}`;
      const run: FakeRun = { id, workflow, version: 1, approvalMode: String(body.approvalMode ?? "interactive"), inputs: (body.inputs ?? {}) as Record<string, unknown>, script, polls: 0, createdAt: new Date().toISOString() };
      this.runs.set(id, run);
      if (key !== undefined) this.runByKey.set(key, id);
      if (this.failStartsAfterCreate > 0) {
        this.failStartsAfterCreate--;
        return send(502, { message: "Bad gateway", code: "BAD_GATEWAY" });
      }
      return send(200, runBody(run));
    }
    if (req.method === "GET" && path === "/runs") {
      const status = url.searchParams.get("status");
      const items = [...this.runs.values()]
        .map((r) => {
          const { inputs: _i, outputs: _o, steps: _s, ...summary } = runBody(r);
          return summary;
        })
        .filter((r) => !status || r.status === status);
      return send(200, { items, nextCursor: null });
    }
    if ((m = /^\/runs\/([^/]+)\/steps\/([^/]+)\/logs$/.exec(path))) {
      const after = Number(url.searchParams.get("after") ?? 0);
      if (m[1] === "run_logs" && m[2] === "bye") return send(200, { lines: [], nextAfter: after, done: true });
      if (m[1] !== "run_logs" || m[2] !== "greet") return send(404, { message: `Run ${m[1]} has no step "${m[2]}".`, code: "NOT_FOUND" });
      // First poll: the first two lines, not done; then the rest, done.
      const lines = after === 0 ? LOG_LINES.slice(0, 2) : LOG_LINES.filter((l) => l.seq > after);
      const last = lines[lines.length - 1];
      return send(200, { lines, nextAfter: last ? last.seq : after, done: after !== 0 });
    }
    if ((m = /^\/runs\/([^/]+)(?:\/(cancel|pause|resume|retry))?$/.exec(path))) {
      const run = this.runs.get(m[1] ?? "");
      if (!run) return send(404, { message: `No run ${m[1]} in team default.`, code: "NOT_FOUND" });
      if (m[2]) return send(409, { message: `Cannot ${m[2]} a run that is ${runBody(run).status}.`, code: "CONFLICT" });
      const out = runBody(run);
      run.polls++;
      return send(200, out);
    }
    if (req.method === "GET" && path === "/approvals") {
      const status = url.searchParams.get("status");
      const runId = url.searchParams.get("runId");
      return send(200, [...this.gates.values()].filter((g) => (!status || g.status === status) && (!runId || g.runId === runId)).map(gateBody));
    }
    if (req.method === "POST" && path === "/approvals/decisions") {
      const ids = [...new Set(body.ids as string[])];
      return send(
        200,
        ids.map((id) => {
          const r = this.decide(id, { ...body, action: String(body.action) });
          return r.ok ? { id, ok: true, status: r.gate.status } : { id, ok: false, error: r.error };
        }),
      );
    }
    if ((m = /^\/approvals\/([^/]+)\/decisions$/.exec(path)) && req.method === "POST") {
      const r = this.decide(m[1] ?? "", { ...body, action: String(body.action) });
      return r.ok ? send(200, gateBody(r.gate)) : send(r.status, r.error);
    }
    if ((m = /^\/approvals\/([^/]+)$/.exec(path))) {
      const gate = this.gates.get(m[1] ?? "");
      return gate ? send(200, gateBody(gate)) : send(404, { message: `No approval ${m[1]} in team default.`, code: "NOT_FOUND" });
    }
    if (req.method === "GET" && path === "/audit") {
      return send(200, [{ id: 41, at: "2025-01-15T10:00:00.000Z", actor: "ann@example.com", action: "user.disabled", target: "user:usr_1", targetType: "user", targetId: "usr_1", before: { disabled: false }, after: { disabled: true }, hash: "ab".repeat(32) }]);
    }
    if (req.method === "GET" && path === "/audit/verify") {
      return send(200, this.auditBroken ? { ok: false, rows: 7, badRowId: 5, reason: "hash mismatch (row edited after it was written)" } : { ok: true, rows: 7 });
    }
    send(404, { message: "Not found", code: "NOT_FOUND" });
  }

  /** The server's decideApproval: 404, 409 when decided, 403 with the policy's reason, 400 for modify without payload. */
  private decide(id: string, body: { action: string; comment?: unknown; payload?: unknown; form?: unknown; nextParams?: unknown }): { ok: true; gate: FakeGate } | { ok: false; status: number; error: { message: string; code: string } } {
    const gate = this.gates.get(id);
    if (!gate) return { ok: false, status: 404, error: { message: `No approval ${id} in team default.`, code: "NOT_FOUND" } };
    if (gate.status !== "pending") return { ok: false, status: 409, error: { message: `This gate was already decided: ${gate.status}${gate.decidedBy ? ` by ${gate.decidedBy}` : ""}.`, code: "CONFLICT" } };
    if (gate.refuse) return { ok: false, status: 403, error: { message: gate.refuse, code: "FORBIDDEN" } };
    if (body.action === "modify" && body.payload === undefined && body.nextParams === undefined && body.form === undefined) {
      return { ok: false, status: 400, error: { message: "modify needs a payload (the step's new output, JSON) or nextParams (new params of the steps that run next).", code: "BAD_REQUEST" } };
    }
    const at = new Date().toISOString();
    gate.decisions.push({ actor: "cli@example.com", action: body.action, comment: typeof body.comment === "string" ? body.comment : null, payload: body.payload, form: body.form, nextParams: body.nextParams, at });
    Object.assign(gate, { status: GATE_STATUS[body.action] ?? "?", decidedAt: at, decidedBy: "cli@example.com" });
    return { ok: true, gate };
  }
}

type Result = { status: number | null; stdout: string; stderr: string };

function start(args: string[], env: Record<string, string | undefined>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, WF_POLL_MS: "50" };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  return spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root, env: childEnv });
}

/** `wf ...` as a child process (async: the fake server lives in this process and must keep serving). */
function wf(args: string[], env: Record<string, string | undefined>, stdin = ""): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = start(args, env);
    child.stdin.end(stdin);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe("wf against a REST server", () => {
  const server = new FakeServer();
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    await server.start();
    env = { WF_SERVER: server.url, WF_TOKEN: TOKEN };
  });
  afterAll(() => server.stop());

  it("run hello --wait: follows running -> succeeded, one line per step transition, exit 0", async () => {
    const r = await wf(["run", "hello", "--wait", "--input", "n=3", "--input", "who=world", "--auto-approve"], env);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    const id = /^run (run_\d+) started \(hello v1\)$/.exec(lines[0] ?? "")?.[1];
    expect(id).toBeDefined();
    expect(lines[1]).toBe(`${server.url}/runs/${id}`);
    // time  step  status  attempt
    expect(lines.slice(2, -1).map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, ""))).toEqual([
      "greet  running  attempt 1",
      "greet  succeeded  attempt 1",
      "bye  running  attempt 1",
      "bye  succeeded  attempt 1",
    ]);
    expect(lines.at(-1)).toMatch(new RegExp(`^run ${id} succeeded in `));
    // The inputs went over as JSON values, the approval mode as auto.
    expect(server.runs.get(id ?? "")).toMatchObject({ inputs: { n: 3, who: "world" }, approvalMode: "auto" });
  });

  it("run: a 502 after the start went through is retried with the same Idempotency-Key, so there is one run", async () => {
    server.failStartsAfterCreate = 1;
    const keysBefore = server.startKeys.length;
    const runsBefore = server.runs.size;
    const r = await wf(["run", "hello"], env);
    expect(r.status).toBe(0);
    const keys = server.startKeys.slice(keysBefore);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(server.runs.size).toBe(runsBefore + 1);
    expect(r.stdout).toMatch(/^run run_\d+ started \(hello v1\)$/m);
  });

  it("run broken --wait: exit 1 and the failing step's error", async () => {
    const r = await wf(["run", "broken", "--wait"], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\d\d:\d\d:\d\d {2}compile {2}failed {2}attempt 1 {2}exit code 2: cc: error: no input files/);
    expect(r.stdout).toMatch(/ship {2}skipped {2}need compile failed/);
    expect(r.stdout).toMatch(/run run_\d+ failed in .*: step compile failed\n {2}compile failed: exit code 2/);
  });

  it("run FILE: validates locally, uploads, runs it by name; --json prints the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-remote-"));
    const file = join(dir, "hello.yaml");
    writeFileSync(file, "name: hello\nsteps:\n  - { id: greet, type: noop }\n");
    const r = await wf(["run", file, "--json"], env);
    expect(r.status).toBe(0);
    expect(server.uploads.at(-1)).toContain("name: hello");
    expect(r.stderr).toContain("workflow hello v3 uploaded");
    expect(JSON.parse(r.stdout)).toMatchObject({ workflow: "hello", status: "queued" });

    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "name: bad\nsteps:\n  - { id: a, type: noop, needs: [zz] }\n");
    const uploads = server.uploads.length;
    const b = await wf(["run", bad], env);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/bad\.yaml:3:\d+: step "a" needs unknown step "zz"/);
    expect(server.uploads).toHaveLength(uploads);
  });

  it("run without a token: exit 2 with how to get one, nothing sent", async () => {
    const before = server.requests.length;
    const r = await wf(["run", "hello"], { WF_SERVER: server.url, WF_TOKEN: undefined });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("set WF_TOKEN (Admin -> API tokens) or pass --token");
    expect(server.requests).toHaveLength(before);
  });

  it("a rejected token, an unknown workflow and a conflict exit 2; an unreachable server exits 4", async () => {
    const rejected = await wf(["run", "hello", "--token", "wrong"], env);
    expect(rejected.status).toBe(2);
    expect(rejected.stderr).toContain("HTTP 401: Sign in or send a valid API token.");
    const unknown = await wf(["run", "nope"], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('HTTP 404: No workflow "nope" in team default.');
    const conflict = await wf(["cancel", "run_logs"], env);
    expect(conflict.status).toBe(2);
    expect(conflict.stderr).toContain("HTTP 409: Cannot cancel a run that is succeeded.");
    const down = await wf(["runs", "--server", "http://127.0.0.1:9"], env);
    expect(down.status).toBe(4);
    expect(down.stderr).toContain("cannot reach http://127.0.0.1:9");
  });

  it("logs RUN STEP -f: prints the lines of two polls, in order, and stops when done", async () => {
    const r = await wf(["logs", "run_logs", "greet", "-f"], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("hello from greet\nstill greeting\nbye from greet\n");
    const polls = server.requests.filter((q) => q.startsWith("GET /api/v1/runs/run_logs/steps/greet/logs"));
    expect(polls).toEqual(["GET /api/v1/runs/run_logs/steps/greet/logs?after=0&limit=1000", "GET /api/v1/runs/run_logs/steps/greet/logs?after=102&limit=1000"]);
  });

  it("logs RUN -f: every step's lines prefixed [step], across polls; an unknown step exits 2", async () => {
    const r = await wf(["logs", "run_logs", "-f"], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("[greet] hello from greet\n[greet] still greeting\n[greet] bye from greet\n");
    const once = await wf(["logs", "run_logs", "--json"], env);
    expect(once.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([
      { step: "greet", ...LOG_LINES[0] },
      { step: "greet", ...LOG_LINES[1] },
    ]);
    const unknown = await wf(["logs", "run_logs", "nope"], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Run run_logs has no step "nope".');
  });

  it("runs: the table; status: the steps", async () => {
    const r = await wf(["runs"], env);
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trim().split("\n");
    expect(header).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+PROGRESS\s+RUNNING\s+STARTED BY\s+AGE$/);
    expect(rows).toContainEqual(expect.stringMatching(/^run_logs\s+hello v1\s+succeeded\s+2\/2\s+0\s+ada@example\.com\s+\d+[smhd]$/));
    const s = await wf(["status", "run_logs"], env);
    expect(s.status).toBe(0);
    expect(s.stdout).toMatch(/^STEP\s+TYPE\s+STATUS\s+ATTEMPT\s+DURATION\s+ERROR\/REASON$/m);
    expect(s.stdout).toMatch(/^greet\s+shell\s+succeeded\s+1\s+/m);
  });

  it("runs --watch without a TTY: a snapshot per refresh of the active runs with their running steps; Ctrl-C exits 0", async () => {
    const child = start(["runs", "--watch"], env);
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    // Two refreshes, then Ctrl-C.
    await new Promise<void>((resolve) => {
      const check = () => {
        if ((stdout.match(/active runs \(Ctrl-C to exit\)/g) ?? []).length >= 2) {
          child.stdout.off("data", check);
          resolve();
        }
      };
      child.stdout.on("data", check);
    });
    const status = await new Promise<number | null>((resolve) => {
      child.on("close", (code) => resolve(code));
      child.kill("SIGINT");
    });
    expect(status).toBe(0);
    // Not a TTY: plain snapshots, no cursor movement.
    expect(stdout).not.toContain(String.fromCharCode(27));
    const snapshot = stdout.split(/(?=^\d\d:\d\d:\d\d {2}http)/m)[0] ?? "";
    expect(snapshot).toMatch(/^\d\d:\d\d:\d\d {2}http:\/\/127\.0\.0\.1:\d+ {2}active runs/);
    expect(snapshot).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+PROGRESS\s+RUNNING STEPS\s+AGE$/m);
    expect(snapshot).toMatch(/^run_live\s+live v4\s+running\s+\[####-{12}\] 1\/4\s+build,lint\s+\d+s$/m);
    // Only active runs: the finished one is not shown.
    expect(snapshot).not.toContain("run_logs");
  });

  // Several child processes per test: more than the default 5 s on a busy machine.
  describe("approval gates and the audit log", { timeout: 30_000 }, () => {
    const requestsSince = (n: number) => server.requests.slice(n);

    it("approvals: pending gates by default, with waited, expires and whether I may decide (and why not)", async () => {
      const r = await wf(["approvals"], env);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const [header, ...rows] = r.stdout.trim().split("\n");
      expect(header).toMatch(/^ID\s+WORKFLOW\s+RUN\s+STEP\s+WAITED\s+EXPIRES\s+CAN I DECIDE$/);
      expect(rows).toContainEqual(expect.stringMatching(/^apr_open\s+live\s+run_live\s+deploy\s+\d+m\d\ds\s+in [12]h\d\dm\s+yes$/));
      expect(rows).toContainEqual(expect.stringMatching(/^apr_mine\s+hello\s+run_logs\s+publish\s+\d+m\d\ds\s+never\s+no \(You started this run; self-approval is not allowed/));
      expect(r.stdout).not.toContain("apr_done");
      expect(server.requests).toContain("GET /api/v1/approvals?status=pending");

      const done = await wf(["approvals", "--status", "approved"], env);
      expect(done.stdout).toMatch(/^apr_done\s+live\s+run_live\s+deploy\s+4m\d\ds\s+-\s+no \(already decided\)$/m);
      const json = await wf(["approvals", "--status", "all", "--run", "run_logs", "--json"], env);
      expect(json.status).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: "apr_mine", canDecide: { ok: false, reason: SELF_APPROVAL } })]);
      expect(server.requests.at(-1)).toBe("GET /api/v1/approvals?runId=run_logs");
      const bad = await wf(["approvals", "--status", "nope"], env);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("expected one of pending, approved");
    });

    it("approve GATE: 200 prints the new status, the comment goes with the decision", async () => {
      const r = await wf(["approve", "apr_open", "--comment", "ship it"], env);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("gate apr_open (run run_live, step deploy): approved\n");
      expect(server.gates.get("apr_open")?.decisions).toEqual([expect.objectContaining({ action: "approve", comment: "ship it" })]);
      expect(server.requests.at(-1)).toBe("POST /api/v1/approvals/apr_open/decisions");
    });

    it("a refusal (403) exits 2 with the server's reason; already decided (409) exits 2", async () => {
      const refused = await wf(["approve", "apr_mine"], env);
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toBe(`wf: cannot approve apr_mine: ${SELF_APPROVAL}\n`);
      expect(server.gates.get("apr_mine")?.status).toBe("pending");

      const decided = await wf(["reject", "apr_done"], env);
      expect(decided.status).toBe(2);
      expect(decided.stderr).toBe("wf: cannot reject apr_done: already decided (This gate was already decided: approved by bob@example.com.)\n");

      const unknown = await wf(["skip", "apr_nope"], env);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain("HTTP 404: No approval apr_nope in team default.");

      // A run id where a gate id belongs: a hint, nothing sent.
      const before = server.requests.length;
      const runId = await wf(["approve", "run_live"], env);
      expect(runId.status).toBe(2);
      expect(runId.stderr).toContain("run_live is a run id; gate ids start with apr_ (list the run's gates: wf approvals --run run_live)");
      expect(requestsSince(before)).toEqual([]);
    });

    it("modify --payload FILE sends the file's JSON as the new output; without --payload: exit 2, nothing sent", async () => {
      const dir = mkdtempSync(join(tmpdir(), "wf-payload-"));
      const before = server.requests.length;
      const missing = await wf(["modify", "apr_mod"], env);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toContain("modify needs --payload FILE");
      const notJson = join(dir, "bad.json");
      writeFileSync(notJson, "{ plan: ");
      const bad = await wf(["modify", "apr_mod", "--payload", notJson], env);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--payload .*bad\.json: not JSON/);
      expect(requestsSince(before)).toEqual([]);

      const file = join(dir, "output.json");
      writeFileSync(file, JSON.stringify({ plan: "deploy v2 to canary only", replicas: 1 }));
      const r = await wf(["modify", "apr_mod", "--payload", file, "--comment", "canary first", "--json"], env);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ id: "apr_mod", status: "modified" });
      expect(server.gates.get("apr_mod")?.decisions[0]).toMatchObject({ action: "modify", comment: "canary first", payload: { plan: "deploy v2 to canary only", replicas: 1 } });
    });

    it("modify --next-params FILE sends new params of the next steps (an object, or exit 2); approve --payload sends a form's values to one gate", async () => {
      const dir = mkdtempSync(join(tmpdir(), "wf-next-"));
      const before = server.requests.length;
      const list = join(dir, "list.json");
      writeFileSync(list, "[1, 2]");
      const notObject = await wf(["modify", "apr_next", "--next-params", list], env);
      expect(notObject.status).toBe(2);
      expect(notObject.stderr).toContain("--next-params: expected a JSON object of step id -> params");
      const batch = await wf(["approve", "apr_form", "apr_batch", "--payload", list], env);
      expect(batch.status).toBe(2);
      expect(batch.stderr).toContain("--payload goes with one gate");
      expect(requestsSince(before)).toEqual([]);

      const next = join(dir, "next.json");
      writeFileSync(next, JSON.stringify({ ship: { command: "echo canary" } }));
      const r = await wf(["modify", "apr_next", "--next-params", next], env);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(server.gates.get("apr_next")?.decisions[0]).toMatchObject({ action: "modify", nextParams: { ship: { command: "echo canary" } } });
      expect(server.gates.get("apr_next")?.decisions[0]?.payload).toBeUndefined();

      const form = await wf(["approve", "apr_form", "--payload", "-"], env, '{"env": "prod"}');
      expect(form.status).toBe(0);
      expect(server.gates.get("apr_form")?.decisions[0]).toMatchObject({ action: "approve", payload: { env: "prod" } });

      // modify of a gate with a form carries its values in --form (checked by the server like approve's)
      const stage = await wf(["modify", "apr_stage", "--form", "-"], env, '{"env": "staging"}');
      expect(stage.status).toBe(0);
      expect(server.gates.get("apr_stage")?.decisions[0]).toMatchObject({ action: "modify", form: { env: "staging" } });
      const badForm = await wf(["modify", "apr_stage", "--form", list], env);
      expect(badForm.status).toBe(2);
      expect(badForm.stderr).toContain("--form: expected a JSON object of field -> value");
    });

    it("retry and cancel dispatch on the id: apr_ decides the gate (--payload - reads stdin), run_ controls the run", async () => {
      const retry = await wf(["retry", "apr_retry", "--payload", "-"], env, '{"temperature": 0.2}');
      expect(retry.stderr).toBe("");
      expect(retry.status).toBe(0);
      expect(retry.stdout).toBe("gate apr_retry (run run_live, step deploy): retried\n");
      expect(server.gates.get("apr_retry")?.decisions[0]).toMatchObject({ action: "retry", payload: { temperature: 0.2 } });

      const cancel = await wf(["cancel", "apr_cancel", "--comment", "not this week"], env);
      expect(cancel.status).toBe(0);
      expect(cancel.stdout).toBe("gate apr_cancel (run run_live, step deploy): cancelled\n");
      expect(server.requests.at(-1)).toBe("POST /api/v1/approvals/apr_cancel/decisions");

      const run = await wf(["cancel", "run_logs"], env);
      expect(run.status).toBe(2);
      expect(server.requests.at(-1)).toBe("POST /api/v1/runs/run_logs/cancel");
      const before = server.requests.length;
      const comment = await wf(["cancel", "run_logs", "--comment", "x"], env);
      expect(comment.status).toBe(2);
      expect(comment.stderr).toContain("--comment: for gates only (gate ids start with apr_)");
      expect(requestsSince(before)).toEqual([]);
      const help = await wf(["cancel", "--help"], env);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain("wf cancel apr_...   cancels the approval gate");
    });

    it("approve GATE GATE: one batch request, one line per gate, exit 2 when one was refused", async () => {
      const before = server.requests.length;
      const r = await wf(["approve", "apr_batch", "apr_mine", "--comment", "batch"], env);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe(`gate apr_batch: approved\ngate apr_mine: refused: ${SELF_APPROVAL}\n`);
      expect(r.stderr).toBe("wf: 1 of 2 gates refused\n");
      expect(requestsSince(before)).toEqual(["POST /api/v1/approvals/decisions"]);
      expect(server.gates.get("apr_batch")?.decisions).toEqual([expect.objectContaining({ action: "approve", comment: "batch" })]);

      // All decided: exit 0; --json prints the results.
      server.gates.set("apr_b2", { ...(server.gates.get("apr_mod") as FakeGate), id: "apr_b2", status: "pending", decisions: [] });
      server.gates.set("apr_b3", { ...(server.gates.get("apr_mod") as FakeGate), id: "apr_b3", status: "pending", decisions: [] });
      const ok = await wf(["reject", "apr_b2", "apr_b3", "--json"], env);
      expect(ok.status).toBe(0);
      expect(JSON.parse(ok.stdout)).toEqual([
        { id: "apr_b2", ok: true, status: "rejected" },
        { id: "apr_b3", ok: true, status: "rejected" },
      ]);
    });

    it("audit log: the filters reach the server as its query parameters", async () => {
      server.requests.length = 0;
      const r = await wf(["audit", "log", "--actor", "ann@", "--action", "user", "--target", "usr_1", "--from", "2025-01-01T00:00:00Z", "--to", "2025-02-01", "--limit", "5"], env);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const sent = new URL(`http://x${server.requests.find((q) => q.startsWith("GET /api/v1/audit?"))?.slice(4) ?? ""}`).searchParams;
      expect(Object.fromEntries(sent)).toEqual({ actor: "ann@", action: "user", target: "usr_1", from: "2025-01-01T00:00:00Z", to: "2025-02-01", limit: "5" });
      expect(r.stdout).toContain("user.disabled");
      expect(r.stdout).toContain("user:usr_1");
    });

    it("audit verify: exit 0 when the chain is intact, 1 and the first bad row when broken", async () => {
      server.auditBroken = false;
      const ok = await wf(["audit", "verify"], env);
      expect(ok.stderr).toBe("");
      expect(ok.status).toBe(0);
      expect(ok.stdout).toBe("audit chain intact: 7 rows\n");

      server.auditBroken = true;
      const broken = await wf(["audit", "verify"], env);
      expect(broken.status).toBe(1);
      expect(broken.stdout).toBe("audit chain broken at row 5: hash mismatch (row edited after it was written)\n");
      const json = await wf(["audit", "verify", "--json"], env);
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual({ ok: false, rows: 7, badRowId: 5, reason: "hash mismatch (row edited after it was written)" });
      server.auditBroken = false;
    });
  });
});
