/**
 * Bad input over the real REST and tRPC route handlers (on a real HTTP server, a real database):
 * wrong-type and missing inputs answer 400, too large inputs 413, bodies over MAX_REQUEST_BYTES 413
 * (by length and chunked), a huge pagination cursor 400, and an internal error never shows the
 * database's text (only a reference that is in the server's log).
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as trpcRoute } from "~/app/api/trpc/[trpc]/route";
import { POST as restRoute } from "~/app/api/v1/[...path]/route";
import { env } from "~/env";
import { db } from "~/server/db";
import { createToken } from "~/server/services/tokens";
import { saveWorkflow } from "~/server/services/workflows";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { serveFetch } from "~/server/testing/serve-fetch";

const TYPED = `name: typed
inputs:
  n: { type: number, required: true }
  label: { type: string }
steps:
  - { id: a, type: noop }
`;

type Answer = { status: number; json: Record<string, unknown> & { message?: string; code?: string } };

describe("errors a client sees", () => {
  let server: Awaited<ReturnType<typeof serveFetch>>;
  let token = "";

  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Errors");
    const admin = await createUserWithRoles(team.id, "admin@errors.io", ["admin"]);
    token = (await createToken(admin, { name: "t", role: "admin" })).secret;
    await saveWorkflow(team, { yaml: TYPED });
    server = await serveFetch({ "/api/v1": (req) => restRoute(req), "/api/trpc": (req) => trpcRoute(req) });
  });
  afterAll(() => server.close());

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as Answer["json"] };
  }
  /** tRPC's error message and HTTP status (superjson envelope). */
  async function trpc(path: string, input: unknown): Promise<{ status: number; message: string; code: string }> {
    const { status, json } = await call("POST", `/api/trpc/${path}`, { json: input });
    const error = (json as { error: { json: { message: string; data: { code: string } } } }).error.json;
    return { status, message: error.message, code: error.data.code };
  }

  it("answers 400 for wrong-type and missing inputs over REST and tRPC", async () => {
    const wrong = await call("POST", "/api/v1/runs", { workflow: "typed", inputs: { n: "three" } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toBe('Invalid inputs: input "n" must be number, got string.');
    const missing = await call("POST", "/api/v1/runs", { workflow: "typed", inputs: {} });
    expect(missing).toMatchObject({ status: 400, json: { message: 'Invalid inputs: input "n" is required.' } });
    const unknown = await call("POST", "/api/v1/runs", { workflow: "typed", inputs: { n: 1, nope: true } });
    expect(unknown).toMatchObject({ status: 400, json: { message: 'Invalid inputs: unknown input "nope".' } });
    expect(await trpc("runs.start", { workflow: "typed", inputs: { n: [1] } })).toEqual({ status: 400, code: "BAD_REQUEST", message: 'Invalid inputs: input "n" must be number, got array.' });
    // Not an object at all: the input schema's own 400.
    expect((await call("POST", "/api/v1/runs", { workflow: "typed", inputs: "n=1" })).status).toBe(400);
  });

  it("answers 413 for inputs over RUN_INPUT_MAX_BYTES and RUN_INPUTS_MAX_BYTES, naming the limit", async () => {
    const one = await call("POST", "/api/v1/runs", { workflow: "typed", inputs: { n: 1, label: "x".repeat(env.RUN_INPUT_MAX_BYTES) } });
    expect(one.status).toBe(413);
    expect(one.json.message).toMatch(/^Inputs too large: input "label" is 262,146 bytes as JSON; one input may be at most 262,144 bytes \(RUN_INPUT_MAX_BYTES\)/);
    expect(await trpc("runs.start", { workflow: "typed", inputs: { n: 1, label: "y".repeat(300_000) } })).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    // No run was stored for either.
    expect(await db.run.count()).toBe(0);
  });

  it("answers 413 for a body over MAX_REQUEST_BYTES, by Content-Length and chunked, on REST and tRPC", async () => {
    const big = JSON.stringify({ workflow: "typed", inputs: { n: 1, label: "z".repeat(env.MAX_REQUEST_BYTES) } });
    for (const path of ["/api/v1/runs", "/api/trpc/runs.start"]) {
      const byLength = await call("POST", path, big);
      expect(byLength.status).toBe(413);
      expect(byLength.json).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE", maxBytes: env.MAX_REQUEST_BYTES } });
      const chunked = await new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        for (let i = 0; i < big.length; i += 65_536) req.write(big.slice(i, i + 65_536));
        req.end();
      });
      expect(chunked).toBe(413);
    }
  });

  it("answers 400 for a huge or malformed pagination cursor", async () => {
    for (const cursor of ["9".repeat(5000) + "_run_abc", "1".repeat(20) + "_run_abc", "12_x", "x".repeat(200)]) {
      const res = await call("GET", `/api/v1/runs?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor.slice(0, 30)).toBe(400);
      expect(JSON.stringify(res.json)).not.toMatch(/sqlite|postgres|prisma|SELECT/i);
    }
    expect((await call("GET", `/api/v1/runs/${"r".repeat(5000)}`)).status).toBe(400);
  });

  it("never shows a database error's text: an internal error answers with a reference", async () => {
    // A broken database (a table gone) under a procedure that reads it.
    await db.$executeRawUnsafe('DROP TABLE "WebhookEndpoint"');
    for (const answer of [await call("GET", "/api/v1/webhooks"), await call("GET", "/api/trpc/webhooks.list")]) {
      expect(answer.status).toBe(500);
      const text = JSON.stringify(answer.json);
      expect(text).toMatch(/Internal server error \(reference err_[0-9a-f]{32}\)/);
      expect(text).not.toMatch(/WebhookEndpoint|sqlite|postgres|prisma|no such table|does not exist|SELECT/i);
    }
  });
});
