/**
 * Idempotency-Key on run starts: retries (sequential and concurrent) of one request create exactly
 * one run, on SQLite and PostgreSQL; the same key with another body or another caller is a clear
 * conflict; a failed start leaves the key free; after 24 h the key starts a new run. Also through
 * the real tRPC context, which reads the REST header.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { IDEMPOTENCY_WINDOW_MS } from "./run-idempotency";
import { startRun } from "./runs";
import { createToken } from "./tokens";
import { saveWorkflow } from "./workflows";

const FLOW = "name: idem\ninputs:\n  who: { type: string, required: true }\n  x: { type: number }\nsteps:\n  - { id: a, type: noop }\n";

describe("Idempotency-Key on run starts", () => {
  let operator: Actor;
  let other: Actor;
  let teamId: string;
  const runsOf = () => db.run.count({ where: { teamId, workflowName: "idem" } });

  beforeAll(async () => {
    await migrateTestDb();
    const t = await createTeam("Idem");
    teamId = t.id;
    operator = await createUserWithRoles(t.id, "op@idem.io", ["operator"]);
    other = await createUserWithRoles(t.id, "op2@idem.io", ["operator"]);
    await saveWorkflow(t, { yaml: FLOW });
  });

  it("a retry with the same key returns the first run; no second run", async () => {
    const before = await runsOf();
    const first = await startRun(operator, { workflow: "idem", inputs: { who: "a" }, approvalMode: "interactive", idempotencyKey: "k-seq" });
    const again = await startRun(operator, { workflow: "idem", inputs: { who: "a" }, approvalMode: "interactive", idempotencyKey: "k-seq" });
    expect(again.id).toBe(first.id);
    expect(await runsOf()).toBe(before + 1);
    // without a key, every start is a new run
    await startRun(operator, { workflow: "idem", inputs: { who: "a" }, approvalMode: "interactive" });
    expect(await runsOf()).toBe(before + 2);
  });

  it("5 concurrent retries create exactly one run, and all answer with it", async () => {
    const before = await runsOf();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => startRun(operator, { workflow: "idem", inputs: { who: "b" }, approvalMode: "interactive", idempotencyKey: "k-race" })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await runsOf()).toBe(before + 1);
    expect(await db.runIdempotencyKey.count({ where: { teamId, key: "k-race" } })).toBe(1);
  });

  it("the same key with a different body, or from another caller, is a clear 409", async () => {
    const first = await startRun(operator, { workflow: "idem", inputs: { who: "c" }, approvalMode: "interactive", idempotencyKey: "k-body" });
    await expect(startRun(operator, { workflow: "idem", inputs: { who: "d" }, approvalMode: "interactive", idempotencyKey: "k-body" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(`was used for a different request (workflow, version, inputs or approval mode): resend the same request to get its run ${first.id}`),
    });
    await expect(startRun(operator, { workflow: "idem", inputs: { who: "c" }, approvalMode: "auto", idempotencyKey: "k-body" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(startRun(other, { workflow: "idem", inputs: { who: "c" }, approvalMode: "interactive", idempotencyKey: "k-body" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("was used by another caller"),
    });
    // key order inside inputs does not make another request
    const a = await startRun(operator, { workflow: "idem", inputs: { who: "e", x: 1 }, approvalMode: "interactive", idempotencyKey: "k-order" });
    const b = await startRun(operator, { workflow: "idem", inputs: { x: 1, who: "e" }, approvalMode: "interactive", idempotencyKey: "k-order" });
    expect(b.id).toBe(a.id);
  });

  it("a start that fails leaves the key free for the corrected request", async () => {
    await expect(startRun(operator, { workflow: "idem", inputs: {}, approvalMode: "interactive", idempotencyKey: "k-fail" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db.runIdempotencyKey.count({ where: { teamId, key: "k-fail" } })).toBe(0);
    await expect(startRun(operator, { workflow: "idem", inputs: { who: "f" }, approvalMode: "interactive", idempotencyKey: "k-fail" })).resolves.toMatchObject({ workflow: "idem" });
  });

  it("after 24 h the key starts a new run", async () => {
    const first = await startRun(operator, { workflow: "idem", inputs: { who: "g" }, approvalMode: "interactive", idempotencyKey: "k-old" });
    await db.runIdempotencyKey.updateMany({ where: { teamId, key: "k-old" }, data: { createdAt: BigInt(Date.now() - IDEMPOTENCY_WINDOW_MS - 1000) } });
    const later = await startRun(operator, { workflow: "idem", inputs: { who: "g" }, approvalMode: "interactive", idempotencyKey: "k-old" });
    expect(later.id).not.toBe(first.id);
  });

  it("REST's Idempotency-Key header reaches runs.start through the request context; a bad header is a 400", async () => {
    const { secret } = await createToken(operator, { name: "cli", role: "operator" });
    const caller = (headers: Record<string, string>) =>
      createContext({ req: new Request("http://127.0.0.1/api/v1/runs", { method: "POST", headers: { authorization: `Bearer ${secret}`, ...headers } }) }).then(createCaller);
    const before = await runsOf();
    const input = { workflow: "idem", inputs: { who: "h" }, approvalMode: "interactive" as const };
    const [r1, r2] = await Promise.all([(await caller({ "idempotency-key": "k-header" })).runs.start(input), (await caller({ "idempotency-key": "k-header" })).runs.start(input)]);
    expect(r2.id).toBe(r1.id);
    expect(await runsOf()).toBe(before + 1);
    await expect((await caller({ "idempotency-key": "has space" })).runs.start(input)).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("printable ASCII") });
    await expect((await caller({ "idempotency-key": "k-a" })).runs.start({ ...input, idempotencyKey: "k-b" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("differ") });
  });
});
