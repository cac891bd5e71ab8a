import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "~/engine/json";
import type { ExecutionResult, StepExecution } from "~/engine/ports";
import { createHttpExecutor, type HttpExecutorOptions } from "./http-executor";

// A real HTTP server on loopback: what the executor talks to is not mocked.
let server: Server;
let port = 0;
let base = "";
const received: { url: string; method: string; headers: IncomingMessage["headers"] }[] = [];

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (text += c));
    req.on("end", () => resolve(text));
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://x");
      received.push({ url: req.url ?? "", method: req.method ?? "", headers: req.headers });
      const text = await readBody(req);
      switch (url.pathname) {
        case "/echo":
          res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-request-id": "req-1", "set-cookie": "sid=1" });
          res.end(JSON.stringify({ method: req.method, contentType: req.headers["content-type"] ?? null, idempotencyKey: req.headers["idempotency-key"] ?? null, body: text ? (JSON.parse(text) as Json) : null }));
          return;
        case "/text":
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("hello\nworld");
          return;
        case "/status":
          res.writeHead(Number(url.searchParams.get("code") ?? "500"), { "content-type": "text/plain" });
          res.end(url.searchParams.get("say") ?? "something broke");
          return;
        case "/redirect":
          res.writeHead(Number(url.searchParams.get("code") ?? "302"), { location: url.searchParams.get("to") ?? "/echo" });
          res.end();
          return;
        case "/big":
          res.writeHead(200, { "content-type": "application/json" });
          res.end(`"${"x".repeat(5000)}"`);
          return;
        case "/slow":
          // Never answers: the executor has to give up by itself.
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function run(params: Json, options: HttpExecutorOptions = {}, more: Partial<StepExecution> = {}): Promise<ExecutionResult> {
  return createHttpExecutor(options).execute({
    runId: "r1",
    stepId: "deploy",
    attempt: 1,
    stepType: "http",
    params,
    idempotencyKey: "r1:deploy:1",
    redact: [],
    signal: new AbortController().signal,
    ...more,
  });
}

const allowLoopback = { allowHosts: ["127.0.0.1"] };

describe("http executor", () => {
  it("refuses loopback by default, naming the allow-list", async () => {
    const result = await run({ url: `${base}/echo` });
    expect(result).toEqual({
      ok: false,
      error: { code: "forbidden_address", message: "http step refused: 127.0.0.1 is a loopback address; add it to HTTP_ALLOW_HOSTS to allow" },
    });
  });

  it("sends the JSON body and parses the JSON response when the host is allowed", async () => {
    const result = await run({ method: "POST", url: `${base}/echo`, body: { service: "api", replicas: 3 } }, allowLoopback);
    expect(result).toEqual({
      ok: true,
      output: {
        status: 200,
        url: `${base}/echo`,
        // Only the selected headers: no set-cookie (chunked: no content-length either).
        headers: { "content-type": "application/json; charset=utf-8", "x-request-id": "req-1" },
        body: { method: "POST", contentType: "application/json", idempotencyKey: "r1:deploy:1", body: { service: "api", replicas: 3 } },
        truncated: false,
      },
    });
  });

  it("gives a text body as text", async () => {
    const result = await run({ url: `${base}/text` }, allowLoopback);
    expect(result).toMatchObject({ ok: true, output: { status: 200, body: "hello\nworld" } });
  });

  it("refuses a name resolving to loopback (localhost) unless that name is allowed", async () => {
    const url = `http://localhost:${port}/echo`;
    expect(await run({ url })).toMatchObject({
      ok: false,
      error: { code: "forbidden_address", message: expect.stringMatching(/^http step refused: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/) },
    });
    expect(await run({ url }, { allowHosts: ["LocalHost"] })).toMatchObject({ ok: true, output: { status: 200 } });
  });

  it.each([["http://[::1]/"], ["http://0.0.0.0/"], ["http://[::ffff:127.0.0.1]/"], ["http://169.254.169.254/latest/meta-data/"], ["http://10.1.2.3/"]])(
    "refuses %s",
    async (url) => {
      expect(await run({ url })).toMatchObject({ ok: false, error: { code: "forbidden_address" } });
    },
  );

  it("fails on an unexpected status with a body excerpt, and accepts expected ones", async () => {
    const failed = await run({ url: `${base}/status?code=500&say=database%20down` }, allowLoopback);
    expect(failed).toEqual({
      ok: false,
      error: { code: "unexpected_status", message: `http step: GET ${base}/status?code=500&say=database%20down answered 500 (expected 2xx): database down` },
    });
    const wrongList = await run({ url: `${base}/status?code=200`, expect_status: [201, 202] }, allowLoopback);
    expect(wrongList).toMatchObject({ ok: false, error: { message: expect.stringContaining("answered 200 (expected 201 or 202)") } });
    expect(await run({ url: `${base}/status?code=404`, expect_status: 404 }, allowLoopback)).toMatchObject({ ok: true, output: { status: 404 } });
  });

  it("redacts secrets from error messages and outputs", async () => {
    const secret = "tok-123456";
    const failed = await run({ url: `${base}/status?code=401&say=bad%20token%20${secret}&token=${secret}` }, allowLoopback, { redact: [secret] });
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error.message).not.toContain(secret);
      expect(failed.error.message).toContain("bad token ***");
    }
    const ok = await run({ method: "POST", url: `${base}/echo`, body: { key: secret } }, allowLoopback, { redact: [secret] });
    expect(ok).toMatchObject({ ok: true, output: { body: { body: { key: "***" } } } });
  });

  it("follows redirects on allowed hosts; 303 turns POST into GET", async () => {
    const result = await run({ method: "POST", url: `${base}/redirect?code=303&to=/echo`, body: { a: 1 } }, allowLoopback);
    expect(result).toMatchObject({ ok: true, output: { status: 200, url: `${base}/echo`, body: { method: "GET", body: null } } });
    const kept = await run({ method: "POST", url: `${base}/redirect?code=307&to=/echo`, body: { a: 1 } }, allowLoopback);
    expect(kept).toMatchObject({ ok: true, output: { body: { method: "POST", body: { a: 1 } } } });
  });

  it("does not follow a redirect whose status is expected", async () => {
    const result = await run({ url: `${base}/redirect?code=302&to=/echo`, expect_status: 302 }, allowLoopback);
    expect(result).toMatchObject({ ok: true, output: { status: 302, headers: { location: "/echo" } } });
  });

  it("refuses a redirect from an allowed host to a metadata address", async () => {
    const result = await run({ url: `${base}/redirect?to=${encodeURIComponent("http://169.254.169.254/latest/meta-data/")}` }, allowLoopback);
    expect(result).toEqual({
      ok: false,
      error: {
        code: "forbidden_address",
        message:
          "http step refused: 169.254.169.254 is a metadata address; add it to HTTP_ALLOW_HOSTS to allow (redirect to http://169.254.169.254/latest/meta-data/)",
      },
    });
  });

  it("drops credentials on a redirect to another origin", async () => {
    received.length = 0;
    const other = `http://localhost:${port}/echo`;
    const result = await run(
      { url: `${base}/redirect?to=${encodeURIComponent(other)}`, headers: { Authorization: "Bearer abc", "X-Trace": "t1" } },
      { allowHosts: ["127.0.0.1", "localhost"] },
    );
    expect(result).toMatchObject({ ok: true, output: { status: 200, url: other } });
    expect(received[0]?.headers.authorization).toBe("Bearer abc");
    expect(received[1]?.headers.authorization).toBeUndefined();
    expect(received[1]?.headers["x-trace"]).toBe("t1");
  });

  it("stops after too many redirects", async () => {
    const loop = `/redirect?to=${encodeURIComponent("/redirect?to=/redirect")}`;
    const result = await run({ url: `${base}${loop}` }, { ...allowLoopback, maxRedirects: 1 });
    expect(result).toMatchObject({ ok: false, error: { code: "too_many_redirects" } });
  });

  it("connects to the address it checked, not to a fresh DNS answer", async () => {
    // "pinned.test" exists only in the guard's resolver: if the connection resolved the name again
    // (as a rebinding attack needs), it would fail with ENOTFOUND.
    received.length = 0;
    const result = await run(
      { url: `http://pinned.test:${port}/echo` },
      { allowHosts: ["127.0.0.1"], resolve: async () => [{ address: "127.0.0.1", family: 4 }] },
    );
    expect(result).toMatchObject({ ok: true, output: { status: 200 } });
    expect(received[0]?.headers.host).toBe(`pinned.test:${port}`);
  });

  it("ends the request when the signal aborts, reporting a timeout or a cancel", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort("step timeout (1s)"), 100);
    const started = Date.now();
    const timedOut = await run({ url: `${base}/slow` }, allowLoopback, { signal: controller.signal });
    expect(timedOut).toEqual({ ok: false, error: { code: "timeout", message: "step timed out: step timeout (1s)" } });
    expect(Date.now() - started).toBeLessThan(2_000);

    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 50);
    expect(await run({ url: `${base}/slow` }, allowLoopback, { signal: cancel.signal })).toEqual({
      ok: false,
      error: { code: "cancelled", message: "step cancelled" },
    });
  });

  it("honours params.timeout", async () => {
    const result = await run({ url: `${base}/slow`, timeout: "150ms" }, allowLoopback);
    expect(result).toEqual({ ok: false, error: { code: "timeout", message: "http step timed out after 150 ms" } });
  });

  it("truncates a large response body and keeps it as text", async () => {
    const result = await run({ url: `${base}/big` }, { ...allowLoopback, maxResponseBytes: 1000 });
    expect(result).toMatchObject({ ok: true, output: { status: 200, truncated: true } });
    if (result.ok && result.output !== null && typeof result.output === "object" && !Array.isArray(result.output)) {
      expect(result.output.body).toHaveLength(1000);
    }
  });

  it("reports network errors and invalid params", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await run({ url: `http://127.0.0.1:${deadPort}/` }, allowLoopback)).toMatchObject({
      ok: false,
      error: { code: "network_error", message: expect.stringContaining("ECONNREFUSED") },
    });
    expect(await run({ url: "ftp://example.com/file" })).toMatchObject({ ok: false, error: { code: "invalid_params" } });
    expect(await run({ url: "not a url" })).toMatchObject({ ok: false, error: { code: "invalid_params" } });
    expect(await run({ method: "FETCH", url: base })).toMatchObject({ ok: false, error: { code: "invalid_params" } });
    expect(await run({ url: `${base}/echo`, headers: { "bad header": "x" } }, allowLoopback)).toMatchObject({
      ok: false,
      error: { code: "invalid_params" },
    });
  });
});
