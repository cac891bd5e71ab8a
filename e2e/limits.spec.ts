/**
 * Issue 13 #6 and #7 against the built app (`next build`, `npm start`, embedded worker), as an
 * outside probe sees it: bodies over MAX_REQUEST_BYTES answer 413 on REST, tRPC and sign-in (by
 * Content-Length and chunked), wrong-type inputs 400 over REST and tRPC (the engine is bundled more
 * than once: this was a 500 with `instanceof`), `wf run` exits 2 saying why, a huge cursor is a 400,
 * no answer carries database text, and hostile expressions do not stall /api/health.
 */
import { spawnSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { join, resolve } from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { E2E } from "./env";

const ROOT = resolve(process.cwd());
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const auth = { authorization: `Bearer ${E2E.adminToken}` };
const SQL_TEXT = /sqlite|postgres|prisma|SELECT |INSERT |no such|syntax error|constraint/i;

const TYPED = `name: limits-typed
inputs:
  n: { type: number, required: true }
  label: { type: string }
steps:
  - { id: a, type: noop }
`;

function wf(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, WF_SERVER: E2E.base, WF_TOKEN: E2E.adminToken, WF_POLL_MS: "200" },
  });
}

/** A chunked upload (no Content-Length) of `bytes`; resolves with the status and body of the answer. */
function chunked(path: string, bytes: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    let answered = false;
    const req = httpRequest(`${E2E.base}${path}`, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = (): void => {
      while (!answered && sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function save(request: APIRequestContext, yaml: string) {
  const saved = await request.post("/api/v1/workflows", { headers: auth, data: { yaml } });
  expect(saved.status(), await saved.text()).toBe(200);
}

test.describe("bounded input", () => {
  test.beforeAll(async ({ request }) => save(request, TYPED));

  test("a body over MAX_REQUEST_BYTES answers 413 on REST, tRPC and sign-in, by length and chunked", async ({ request }) => {
    const big = JSON.stringify({ workflow: "limits-typed", inputs: { n: 1, label: "x".repeat(MAX_REQUEST_BYTES) } });
    for (const path of ["/api/v1/runs", "/api/trpc/runs.start"]) {
      const res = await request.post(path, { headers: { ...auth, "content-type": "application/json" }, data: big });
      expect(res.status(), path).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE", maxBytes: MAX_REQUEST_BYTES } });
      const streamed = await chunked(path, MAX_REQUEST_BYTES * 4, { ...auth, "content-type": "application/json" });
      expect(streamed.status, path).toBe(413);
      expect(JSON.parse(streamed.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    }
    const form = `email=a%40b.c&password=${"p".repeat(MAX_REQUEST_BYTES)}`;
    const signIn = await request.post("/api/auth/callback/credentials", { headers: { "content-type": "application/x-www-form-urlencoded" }, data: form });
    expect(signIn.status()).toBe(413);
    const streamedSignIn = await chunked("/api/auth/callback/credentials", MAX_REQUEST_BYTES * 2, { "content-type": "application/x-www-form-urlencoded" });
    expect(streamedSignIn.status).toBe(413);
    // Nothing of it was stored.
    const runs = await request.get("/api/v1/runs?workflow=limits-typed", { headers: auth });
    expect(((await runs.json()) as { items: unknown[] }).items).toHaveLength(0);
  });

  test("inputs over RUN_INPUT_MAX_BYTES answer 413 naming the input and the limit", async ({ request }) => {
    const res = await request.post("/api/v1/runs", { headers: auth, data: { workflow: "limits-typed", inputs: { n: 1, label: "y".repeat(300_000) } } });
    expect(res.status()).toBe(413);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/^Inputs too large: input "label" is 300,002 bytes as JSON; one input may be at most 262,144 bytes \(RUN_INPUT_MAX_BYTES\)/);
  });

  test("wrong-type and missing inputs answer 400 over REST and tRPC, and `wf run` exits 2 saying why", async ({ request }) => {
    const rest = await request.post("/api/v1/runs", { headers: auth, data: { workflow: "limits-typed", inputs: { n: "three" } } });
    expect(rest.status()).toBe(400);
    expect(((await rest.json()) as { message: string }).message).toBe('Invalid inputs: input "n" must be number, got string.');
    const missing = await request.post("/api/v1/runs", { headers: auth, data: { workflow: "limits-typed", inputs: {} } });
    expect(missing.status()).toBe(400);
    const trpc = await request.post("/api/trpc/runs.start", { headers: auth, data: { json: { workflow: "limits-typed", inputs: { n: [1] } } } });
    expect(trpc.status()).toBe(400);
    const error = ((await trpc.json()) as { error: { json: { message: string; data: { code: string } } } }).error.json;
    expect(error).toMatchObject({ message: 'Invalid inputs: input "n" must be number, got array.', data: { code: "BAD_REQUEST" } });

    const cli = wf(["run", "limits-typed", "--input", "n=abc"]);
    expect(cli.status, cli.stdout + cli.stderr).toBe(2);
    expect(cli.stderr).toContain('Invalid inputs: input "n" must be number, got string.');
    const cliMissing = wf(["run", "limits-typed"]);
    expect(cliMissing.status).toBe(2);
    expect(cliMissing.stderr).toContain('input "n" is required');
    for (const out of [rest, missing, trpc]) expect(await out.text()).not.toMatch(SQL_TEXT);
  });

  test("a huge or malformed pagination position answers 400 without database text", async ({ request }) => {
    for (const url of [
      `/api/v1/runs?cursor=${"9".repeat(5000)}_run_abc`,
      `/api/v1/runs?cursor=${"1".repeat(19)}_run_abc`,
      "/api/v1/runs?cursor=not-a-cursor",
      "/api/v1/runs/run_x/steps/a/logs?after=99999999999999999999",
      "/api/v1/audit?after=1e300",
    ]) {
      const res = await request.get(url, { headers: auth });
      expect(res.status(), url.slice(0, 60)).toBe(400);
      expect(await res.text()).not.toMatch(SQL_TEXT);
    }
  });
});

test("hostile expressions in a run's start do not stall /api/health (p99 < 100 ms)", async ({ request }) => {
  test.setTimeout(180_000);
  const nested = "inputs.items.all(x, inputs.items.all(y, inputs.items.all(z, x + y + z >= 0)))";
  await save(
    request,
    `name: limits-hostile
inputs:
  items: { type: array, required: true }
  text: { type: string, required: true }
steps:
  - { id: regex, type: noop, if: "inputs.text.matches('(a+)+$')" }
  - { id: nested, type: noop, if: "${nested}" }
  - { id: both, type: noop, if: "inputs.items.all(i, inputs.text.matches('(a|aa)+$') == false) && ${nested}" }
`,
  );
  const inputs = { items: Array.from({ length: 600 }, (_, i) => i), text: `${"a".repeat(20_000)}b` };
  const ordinary = { items: [1], text: "ab" };

  /** Starts runs with `runInputs` while /api/health is asked 200 times; the figures and the last run. */
  async function underLoad(runInputs: unknown) {
    const latencies: number[] = [];
    const starts: number[] = [];
    let done = false;
    const probe = (async () => {
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        const res = await fetch(`${E2E.base}/api/health`);
        await res.text();
        latencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
      done = true;
    })();
    let runId = "";
    while (!done || starts.length < 5) {
      const t = performance.now();
      const res = await fetch(`${E2E.base}/api/v1/runs`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ workflow: "limits-hostile", inputs: runInputs }) });
      starts.push(performance.now() - t);
      expect(res.status).toBe(200);
      runId = ((await res.json()) as { id: string }).id;
      await new Promise((r) => setTimeout(r, 100));
    }
    await probe;
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Infinity;
    return { p50: at(0.5), p99: at(0.99), max: at(1), count: sorted.length, starts: starts.length, slowestStart: Math.max(...starts), runId };
  }

  // A server that has answered before (first requests compile code).
  for (let i = 0; i < 3; i++) await (await fetch(`${E2E.base}/api/v1/runs`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ workflow: "limits-hostile", inputs: ordinary }) })).text();
  const figures: string[] = [];
  let passed = false;
  // Wall-clock figures on a shared machine are noisy: up to three attempts, each beside a baseline
  // (the same load with ordinary inputs: what the machine and the server cost by themselves). The
  // target is p99 < 100 ms; on a machine so loaded that the baseline alone is over 50 ms, the
  // hostile runs may add at most 100 ms to it. Before the budget every attempt stalled for seconds
  // (the run's start did not answer within 60 s).
  for (let attempt = 1; attempt <= 3 && !passed; attempt++) {
    const base = await underLoad(ordinary);
    const hostile = await underLoad(inputs);
    const bound = base.p99 < 50 ? 100 : base.p99 + 100;
    passed = hostile.p99 < bound && hostile.slowestStart < 1_000;
    figures.push(
      `attempt ${attempt}: /api/health while ${hostile.starts} hostile runs started: p50 ${hostile.p50.toFixed(1)} ms, p99 ${hostile.p99.toFixed(1)} ms, max ${hostile.max.toFixed(1)} ms over ${hostile.count} requests, slowest start ${hostile.slowestStart.toFixed(0)} ms; ` +
        `baseline (ordinary inputs): p99 ${base.p99.toFixed(1)} ms, slowest start ${base.slowestStart.toFixed(0)} ms; bound ${bound.toFixed(0)} ms`,
    );
    console.log(figures[figures.length - 1]);
    // The hostile conditions failed their steps with an error naming the expression.
    const run = (await (await request.get(`/api/v1/runs/${hostile.runId}`, { headers: auth })).json()) as { steps: { id: string; status: string; error: { code?: string; message: string } | null }[] };
    const byId = Object.fromEntries(run.steps.map((s) => [s.id, s]));
    expect(byId.regex?.status).toBe("skipped");
    expect(byId.nested).toMatchObject({ status: "failed", error: { code: "expression_budget" } });
    expect(byId.nested?.error?.message).toContain(nested);
  }
  expect(passed, figures.join("\n")).toBe(true);
});
