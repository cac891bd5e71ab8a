/**
 * The store keeps the runs it has read or written between transactions, and must never trust them
 * once anything else has changed them: another connection's commit (SQLite: the epoch moved;
 * PostgreSQL: the run's revision or the step's lease did), or a transaction of its own that rolled
 * back.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { newId } from "~/server/ids";
import { saveWorkflow } from "~/server/services/workflows";
import { createTeam, migrateTestDb } from "~/server/testing/seed";
import { createSqlDb } from "./create-engine-store";
import { EngineStore } from "./engine-store";
import { observeSql } from "./sql";

let team: { id: string; name: string };

/** The store on a SQL handle that records every statement it is given. */
function countingStore(now?: () => number): { store: EngineStore; statements: string[] } {
  const statements: string[] = [];
  const counted = observeSql(createSqlDb(), { statement: (text) => statements.push(text) });
  return { store: new EngineStore(counted, { leaseMs: 60_000, now }), statements };
}

/** Starts a run of a → b → c (or, with `fan`, a → b and a → c); `owner` leases a, else a is queued. */
async function startChain(store: EngineStore, owner?: string, fan = false) {
  const saved = await saveWorkflow(team, {
    yaml: `name: chain-${newId("w").slice(-6)}\nsteps:\n  - { id: a, type: noop }\n  - { id: b, type: noop, needs: [a] }\n  - { id: c, type: noop, needs: [${fan ? "a" : "b"}] }\n`,
  });
  const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: saved.name }, version: saved.version } });
  const runId = newId("run");
  const started = await store.startRun({ runId, teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version, owner, claimLimit: owner ? 1 : 0 });
  expect(started.claimed.map((t) => t.stepId)).toEqual(owner ? ["a"] : []);
  return runId;
}

const succeeded = (runId: string, stepId: string, owner: string, attempt = 1) => ({
  runId,
  event: { type: "step_succeeded" as const, stepId, attempt, output: {}, at: Date.now() },
  fence: { owner },
});

describe("the store's run cache", () => {
  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("Cache");
  });

  it("settles a chain's next step without reading back what it wrote itself", async () => {
    const { store, statements } = countingStore();
    const runId = await startChain(store, "w1");
    statements.length = 0;
    const result = await store.processEvents([succeeded(runId, "a", "w1")], "w1", 1);
    expect(result.claimed.map((t) => t.stepId)).toEqual(["b"]);
    expect(statements.filter((s) => s.startsWith("SELECT"))).toEqual([]);
    // (PostgreSQL: the writes went as one statement, guarded by the run's revision and the lease.)
    expect(statements.some((s) => s.includes('"rev" = ?'))).toBe(true);
  });

  it("reads a run again when another worker changed it meanwhile (its revision moved)", async () => {
    const { store, statements } = countingStore();
    const runId = await startChain(store, "w1");
    // Another worker settled something of this run: the stored revision is not the one known here.
    await db.run.update({ where: { id: runId }, data: { rev: { increment: 1 } } });
    statements.length = 0;
    const result = await store.processEvents([succeeded(runId, "a", "w1")], "w1", 1);
    expect(result.rejected).toEqual([]);
    expect(result.claimed.map((t) => t.stepId)).toEqual(["b"]);
    // SQLite knew from its epoch before writing; PostgreSQL's guarded statement failed and the
    // locking transaction read the run.
    expect(statements.filter((s) => /^SELECT .*"header".* FROM "Run"/.test(s))).toHaveLength(1);
    // (inserted by its start: 0, the other worker: 1, this result: 2)
    expect((await db.run.findUniqueOrThrow({ where: { id: runId } })).rev).toBe(2);
  });

  it("refuses a result whose lease another connection took meanwhile (the cache is not trusted)", async () => {
    const { store } = countingStore();
    const runId = await startChain(store, "w1");
    // Another process (here: Prisma's connection) hands step a to worker w2.
    await db.stepRun.update({ where: { runId_stepId: { runId, stepId: "a" } }, data: { leaseOwner: "w2" } });
    const late = await store.processEvents([succeeded(runId, "a", "w1")], "w1", 1);
    expect(late.rejected).toHaveLength(1);
    expect(late.claimed).toEqual([]);
    const a = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "a" } } });
    expect(a.status).toBe("running");
    // w2's result is the one that counts.
    const own = await store.processEvents([succeeded(runId, "a", "w2")], "w2", 1);
    expect(own.rejected).toEqual([]);
    expect(own.claimed.map((t) => t.stepId)).toEqual(["b"]);
  });

  it("accepts a result whose step was leased by another process without moving the run's revision", async () => {
    const { store } = countingStore();
    const runId = await startChain(store, "w1");
    await store.processEvents([succeeded(runId, "a", "w1")], "w1", 0); // b is queued: no lease yet
    // A claim elsewhere leases b to w2 (a fresh claim changes no revision).
    await db.stepRun.update({ where: { runId_stepId: { runId, stepId: "b" } }, data: { leaseOwner: "w2", claims: 1 } });
    // w2's result, settled here by a transaction of its own (no one-statement commit): the fence
    // reads the lease under the run's lock instead of trusting the kept run.
    const result = await store.processEvents([succeeded(runId, "b", "w2")]);
    expect(result.rejected).toEqual([]);
    expect((await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "b" } } })).status).toBe("succeeded");
  });

  it("forgets what a rolled-back transaction changed", async () => {
    const { store } = countingStore();
    const runId = await startChain(store, "w1");
    // The step's result is applied in memory, then the transaction fails and rolls back.
    await expect(
      store.transaction(async (_q, process) => {
        const applied = await process([succeeded(runId, "a", "w1")]);
        expect(applied.rejected).toEqual([]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const a = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "a" } } });
    expect(a.status).toBe("running");
    // So the same result is still accepted (the run did not move on in memory either).
    const again = await store.processEvents([succeeded(runId, "a", "w1")], "w1", 1);
    expect(again.rejected).toEqual([]);
    expect(again.claimed.map((t) => t.stepId)).toEqual(["b"]);
    expect((await store.getRun(runId))?.counters.remaining).toBe(2);
  });

  it("a commit with a backlog also leases queued steps, and keeps what it knows of their runs true", async () => {
    let clock = Date.now();
    const { store } = countingStore(() => clock);
    const queued = await startChain(store); // its a waits for any worker
    const mine = await startChain(store, "w1");
    const fan = await startChain(store, "w1", true);
    // fan: a's result starts b (leased to w1) and queues c, which a worker that then dies leases.
    await store.processEvents([succeeded(fan, "a", "w1")], "w1", 1);
    expect((await store.claim("dead", 50, 0)).steps.map((t) => `${t.runId === fan ? "fan" : "queued"}.${t.stepId}`)).toContain("fan.c");
    const leased = [{ runId: fan, stepId: "b", attempt: 1 }, { runId: mine, stepId: "a", attempt: 1 }];
    await store.heartbeat("w1", leased);
    clock += 45_000;
    await store.heartbeat("w1", leased);
    clock += 30_000; // the dead worker's leases expired (w1's did not: it heartbeats)

    // One transaction: two results, their runs' next steps, and what waits for any worker.
    const result = await store.processEvents([succeeded(mine, "a", "w1"), succeeded(fan, "b", "w1")], "w1", 50, true);
    expect(result.rejected).toEqual([]);
    const claimed = result.claimed.filter((t) => [mine, queued, fan].includes(t.runId)).map((t) => `${t.runId === mine ? "mine" : t.runId === queued ? "queued" : "fan"}.${t.stepId}#${t.attempt}`);
    expect(claimed.sort()).toEqual(["fan.c#2", "mine.b#1", "queued.a#2"]);
    expect(result.backlog).toBe(false);
    expect((await db.stepAttempt.findFirstOrThrow({ where: { runId: fan, stepId: "c", attempt: 1 } })).status).toBe("lost");

    // What this store knows of those runs is true: their results are accepted.
    const next = await store.processEvents([succeeded(queued, "a", "w1", 2), succeeded(fan, "c", "w1", 2)], "w1", 1);
    expect(next.rejected).toEqual([]);
    expect(next.finished).toEqual([fan]);
    expect(next.claimed.map((t) => `${t.runId === queued ? "queued" : "?"}.${t.stepId}`)).toEqual(["queued.b"]);
  });

  it("settles a group of results that each count down a join in one statement, the join written once", async () => {
    const { store, statements } = countingStore();
    const saved = await saveWorkflow(team, {
      yaml: "name: join\nsteps:\n  - { id: a, type: noop }\n  - { id: b1, type: noop, needs: [a] }\n  - { id: b2, type: noop, needs: [a] }\n  - { id: b3, type: noop, needs: [a] }\n  - { id: z, type: noop, needs: [b1, b2, b3] }\n",
    });
    const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: saved.name }, version: saved.version } });
    const runId = newId("run");
    await store.startRun({ runId, teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version, owner: "w1", claimLimit: 1 });
    const fanned = await store.processEvents([succeeded(runId, "a", "w1")], "w1", 3);
    expect(fanned.claimed.map((t) => t.stepId).sort()).toEqual(["b1", "b2", "b3"]);
    statements.length = 0;
    const joined = await store.processEvents(["b1", "b2", "b3"].map((id) => succeeded(runId, id, "w1")), "w1", 1);
    expect(joined.rejected).toEqual([]);
    expect(joined.claimed.map((t) => t.stepId)).toEqual(["z"]);
    // (PostgreSQL: had the join's record been written once per result, the writes could not go as
    // one statement, and the locking transaction would have read the run.)
    expect(statements.filter((s) => s.startsWith("SELECT"))).toEqual([]);
    const z = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "z" } } });
    expect([z.status, z.leaseOwner]).toEqual(["running", "w1"]);
  });
  it("writes a new run once: its row and records go in as its start left them", async () => {
    const { store, statements } = countingStore();
    const before = Date.now();
    const runId = await startChain(store, "w1");
    // The new workflow's plan is read; then two inserts, nothing read back, nothing updated (on
    // PostgreSQL both go with the commit).
    expect(statements.map((s) => s.split(" (")[0])).toEqual(['SELECT "definition" FROM "WorkflowVersion" WHERE "id" = ?', 'INSERT INTO "Run"', 'INSERT INTO "StepRun"']);
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    expect([run.status, run.rev, Number(run.startedAt) >= before]).toEqual(["running", 0, true]);
    expect(JSON.parse(run.header).counters).toMatchObject({ running: 1, remaining: 3 });
    const rows = await db.stepRun.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.stepId, r.seq, r.status, r.leaseOwner, r.claims])).toEqual([
      ["a", 0, "running", "w1", 1],
      ["b", 1, "pending", null, 0],
      ["c", 2, "pending", null, 0],
    ]);
    expect(Number(rows[0]?.leaseExpiresAt)).toBeGreaterThan(Date.now());
    expect(JSON.parse(rows[0]?.command ?? "{}")).toMatchObject({ kind: "start_step", stepId: "a", attempt: 1 });
    // A first step queued for any worker holds a lease that is already due.
    const queued = await startChain(store);
    const a = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId: queued, stepId: "a" } } });
    expect([a.status, a.leaseOwner, Number(a.leaseExpiresAt) >= before && Number(a.leaseExpiresAt) <= Date.now()]).toEqual(["running", null, true]);
    expect((await store.claim("w2", 50, 0)).steps.map((t) => `${t.runId}.${t.stepId}`)).toContain(`${queued}.a`);
  });

  it("starts a run of 10,100 steps (its records carry more values than one statement may)", async () => {
    const { store } = countingStore();
    const saved = await saveWorkflow(team, {
      yaml: "name: wide\nsteps:\n  - { id: a, type: noop }\n" + Array.from({ length: 10_100 }, (_, i) => `  - { id: b${i}, type: noop, needs: [a] }`).join("\n") + "\n",
    });
    const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: saved.name }, version: saved.version } });
    const runId = newId("run");
    await store.startRun({ runId, teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version, owner: "w1", claimLimit: 1 });
    expect(await db.stepRun.count({ where: { runId } })).toBe(10_101);
    const last = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "b10099" } } });
    expect([last.seq, last.status]).toEqual([10_100, "pending"]);
  });
});
