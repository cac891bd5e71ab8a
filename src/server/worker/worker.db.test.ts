/**
 * The durable store and a worker on a real SQLite file: runs go from start to their end through
 * task rows, leases and group commits.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ExecutionResult, Executor, Executors, StepExecution } from "~/engine/ports";
import { db } from "~/server/db";
import { newId } from "~/server/ids";
import { createEngineStore } from "~/server/store/create-engine-store";
import type { EngineStore } from "~/server/store/engine-store";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { saveWorkflow } from "~/server/services/workflows";
import { Worker } from "./worker";

let team: { id: string; name: string };
let store: EngineStore;
const workers: Worker[] = [];

async function version(yaml: string) {
  const saved = await saveWorkflow(team, { yaml });
  const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: saved.name }, version: saved.version } });
  return { workflowId: v.workflowId, workflowVersionId: v.id, version: v.version };
}

async function start(yaml: string, inputs?: Record<string, unknown>, approvalMode: "interactive" | "auto" = "interactive", startedBy?: string) {
  const runId = newId("run");
  await store.startRun({ runId, teamId: team.id, ...(await version(yaml)), inputs, approvalMode, ...(startedBy ? { startedBy } : {}) });
  for (const w of workers) w.wake();
  return runId;
}

async function waitForEnd(runId: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await store.getRun(runId);
    if (run && ["succeeded", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function executor(fn: (e: StepExecution) => Promise<ExecutionResult> | ExecutionResult): Executor {
  return { execute: async (e) => fn(e) };
}

/** `{ id, type: shell }` with a dummy command: the tests' executors stand in for the shell. */
const sh = (id: string, needs?: string) => `{ id: ${id}, type: shell, params: { command: run }${needs ? `, needs: [${needs}]` : ""} }`;

function worker(executors: Executors, concurrency = 8) {
  const w = new Worker({ store, executors, concurrency, pollMs: 20 }).start();
  workers.push(w);
  return w;
}

describe("worker on SQLite", () => {
  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("Durable");
    store = createEngineStore({ leaseMs: 1000 });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(1000)));
  });

  //  a ──► b ──► c
  it("runs a chain to success and records every attempt", async () => {
    const seen: string[] = [];
    worker({ shell: executor((e) => (seen.push(e.stepId), { ok: true, output: { step: e.stepId, attempt: e.attempt } })) });
    const runId = await start(`name: chain\nsteps:\n  - ${sh("a")}\n  - ${sh("b", "a")}\n  - ${sh("c", "b")}\n`);
    const run = await waitForEnd(runId);
    expect(run.status).toBe("succeeded");
    expect(seen).toEqual(["a", "b", "c"]);
    const attempts = await db.stepAttempt.findMany({ where: { runId }, orderBy: { startedAt: "asc" } });
    expect(attempts.map((a) => [a.stepId, a.attempt, a.status])).toEqual([
      ["a", 1, "succeeded"],
      ["b", 1, "succeeded"],
      ["c", 1, "succeeded"],
    ]);
    expect(await db.task.count({ where: { runId } })).toBe(0);
    // No lease or queued command is left on a finished run's steps.
    expect(await db.stepRun.count({ where: { runId, OR: [{ leaseOwner: { not: null } }, { leaseExpiresAt: { not: null } }, { command: { not: null } }] } })).toBe(0);
  });

  //  a ──► fail (retries: 1) ──► never
  it("retries through a durable timer task and fails the run with its reason", async () => {
    worker({
      noop: executor(() => ({ ok: true, output: {} })),
      shell: executor(() => ({ ok: false, error: { message: "exit code 2: boom", code: "exit_code", exit_code: 2 } })),
    });
    const runId = await start(
      "name: failing\nsteps:\n  - { id: a, type: noop }\n  - id: fail\n    type: shell\n    needs: [a]\n    retries: { max: 1, backoff: fixed, initial: 50ms }\n    params: { command: 'false' }\n  - { id: never, type: noop, needs: [fail] }\n",
    );
    const run = await waitForEnd(runId);
    expect(run.status).toBe("failed");
    expect(run.reason).toContain("fail");
    const attempts = await db.stepAttempt.findMany({ where: { runId, stepId: "fail" }, orderBy: { attempt: "asc" } });
    expect(attempts.map((a) => a.status)).toEqual(["failed", "failed"]);
    const never = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "never" } } });
    expect(never.status).toBe("skipped");
  });

  //  a ──► b1..b50 ──► z
  it("fans out and in with a concurrency limit", async () => {
    let now = 0;
    let max = 0;
    worker(
      {
        shell: executor(async () => {
          max = Math.max(max, ++now);
          await new Promise((r) => setTimeout(r, 5));
          now--;
          return { ok: true, output: {} };
        }),
      },
      16,
    );
    const mids = Array.from({ length: 50 }, (_, i) => `  - ${sh(`b${i}`, "a")}`).join("\n");
    const runId = await start(`name: fan\nconcurrency: 4\nsteps:\n  - ${sh("a")}\n${mids}\n  - ${sh("z", Array.from({ length: 50 }, (_, i) => `b${i}`).join(", "))}\n`);
    const run = await waitForEnd(runId);
    expect(run.status).toBe("succeeded");
    expect(max).toBeLessThanOrEqual(4);
    expect(await db.stepAttempt.count({ where: { runId } })).toBe(52);
  });

  it("auto mode approves the gates its starter alone could approve, and says so; the others wait for people", async () => {
    worker({ noop: executor(() => ({ ok: true, output: { built: true } })) });
    const approver = await createUserWithRoles(team.id, `auto-${newId("u")}@x.io`, ["operator", "approver"]);
    const flow = (name: string, policy: string) => `name: ${name}\nsteps:\n  - { id: build, type: noop }\n  - { id: review, type: approval, needs: [build], approval: ${policy} }\n  - { id: ship, type: noop, needs: [review] }\n`;
    const runId = await start(flow("gated", "{ allow_self_approval: true }"), undefined, "auto", approver.userId);
    const run = await waitForEnd(runId);
    expect(run.status).toBe("succeeded");
    const review = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "review" } } });
    expect(JSON.parse(review.state).gate).toMatchObject({ decidedBy: "auto mode" });

    // No self-approval, two approvals, or no starter: auto mode cannot pass them.
    for (const [policy, startedBy, why] of [
      ["{}", approver.userId, "You started this run"],
      ["{ allow_self_approval: true, min_approvals: 2 }", approver.userId, "auto mode is one person"],
      ["{ allow_self_approval: true }", undefined, "the run has none"],
    ] as const) {
      const held = await start(flow(`held-${newId("w")}`, policy), undefined, "auto", startedBy);
      const gate = await (async () => {
        for (let i = 0; i < 500; i++) {
          const row = await db.approval.findFirst({ where: { runId: held } });
          if (row) return row;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error("no gate");
      })();
      await new Promise((r) => setTimeout(r, 100));
      expect((await db.approval.findUniqueOrThrow({ where: { id: gate.id } })).status).toBe("pending");
      expect((await store.getRun(held))?.status).toBe("waiting_approval");
      const opened = await db.auditLog.findFirstOrThrow({ where: { action: "gate.opened", target: { contains: held } } });
      expect(opened.after).toContain(why);
    }
  });

  it("a late result of an attempt whose lease was lost is refused, and the step runs again as attempt 2", async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const hung = new Promise<void>((r) => (release = r));
    // The first worker never heartbeats (a frozen process) and has no free slot: its lease expires.
    const frozen = new Worker({
      store,
      executors: { shell: executor(async () => (calls++, await hung, { ok: true, output: { from: "frozen" } })) },
      concurrency: 1,
      heartbeatMs: 60_000,
      pollMs: 20,
    }).start();
    workers.push(frozen);
    const runId = await start(`name: lease\nsteps:\n  - ${sh("only")}\n`);
    while (calls === 0) await new Promise((r) => setTimeout(r, 10));
    worker({ shell: executor((e) => ({ ok: true, output: { from: "second", attempt: e.attempt } })) });
    const run = await waitForEnd(runId);
    expect(run.status).toBe("succeeded");
    const only = JSON.parse((await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "only" } } })).state);
    expect(only.output).toEqual({ from: "second", attempt: 2 });
    // The frozen attempt now finishes: its write is refused by the fence and changes nothing.
    release();
    await new Promise((r) => setTimeout(r, 200));
    const after = JSON.parse((await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "only" } } })).state);
    expect(after.output).toEqual({ from: "second", attempt: 2 });
    expect((await store.getRun(runId))?.status).toBe("succeeded");
    const attempts = await db.stepAttempt.findMany({ where: { runId }, orderBy: { attempt: "asc" } });
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, "lost"],
      [2, "succeeded"],
    ]);
  });

  //  a ──► pause (wait 300ms) ──► b
  it("a wait step is a durable timer row, due at its time", async () => {
    const ran: number[] = [];
    worker({ shell: executor(() => (ran.push(Date.now()), { ok: true, output: {} })) });
    const runId = await start(`name: waits\nsteps:\n  - ${sh("a")}\n  - { id: pause, type: wait, needs: [a], params: { duration: 300ms } }\n  - ${sh("b", "pause")}\n`);
    // While it waits, the timer is a row in the database (so it survives a restart).
    let timer = await db.task.findFirst({ where: { runId, kind: "event" } });
    for (let i = 0; !timer && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 5));
      timer = await db.task.findFirst({ where: { runId, kind: "event" } });
    }
    expect(JSON.parse(timer?.payload ?? "{}")).toMatchObject({ type: "wait_timer_fired", stepId: "pause" });
    const run = await waitForEnd(runId);
    expect(run.status).toBe("succeeded");
    expect(ran.length).toBe(2);
    expect((ran[1] ?? 0) - (ran[0] ?? 0)).toBeGreaterThanOrEqual(280);
  });

  //  parent: call (subworkflow child) ──► after
  it("a subworkflow step runs a child run and the parent waits for it; cancelling the parent cancels the child", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    worker({
      shell: executor(async (e) => {
        if (e.params && typeof e.params === "object" && !Array.isArray(e.params) && e.params.command === "hang") await gate;
        return { ok: true, output: { step: e.stepId } };
      }),
    });
    await version(`name: child\nsteps:\n  - ${sh("inner")}\n`);
    const parent = await start(`name: parent\nsteps:\n  - { id: call, type: subworkflow, params: { workflow: child } }\n  - ${sh("after", "call")}\n`);
    const done = await waitForEnd(parent);
    expect(done.status).toBe("succeeded");
    const child = await db.run.findFirstOrThrow({ where: { parentRunId: parent } });
    expect(child.status).toBe("succeeded");

    await version(`name: slowchild\nsteps:\n  - { id: inner, type: shell, params: { command: hang } }\n`);
    const p2 = await start(`name: parent2\nsteps:\n  - { id: call, type: subworkflow, params: { workflow: slowchild } }\n`);
    let c2 = await db.run.findFirst({ where: { parentRunId: p2 } });
    for (let i = 0; !c2 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      c2 = await db.run.findFirst({ where: { parentRunId: p2 } });
    }
    if (!c2) throw new Error("child run never started");
    await store.processEvents([{ runId: p2, event: { type: "run_cancel_requested", by: "test", at: Date.now() } }]);
    for (const w of workers) w.wake();
    expect((await waitForEnd(p2)).status).toBe("cancelled");
    expect((await waitForEnd(c2.id)).status).toBe("cancelled");
    release();
  });

  it("takes on no more steps than its concurrency while their results wait for a slow commit", async () => {
    const slow = createEngineStore({ leaseMs: 5000 });
    const commit = slow.processEvents.bind(slow);
    let executed = 0;
    let committed = 0;
    let most = 0;
    slow.processEvents = async (inputs, ...rest) => {
      await new Promise((r) => setTimeout(r, 30));
      const result = await commit(inputs, ...rest);
      committed += inputs.filter((i) => i.fence && i.fence.taskId === undefined).length - result.rejected.length;
      return result;
    };
    const w = new Worker({
      store: slow,
      concurrency: 4,
      pollMs: 5,
      executors: { shell: executor(() => (most = Math.max(most, ++executed - committed), { ok: true, output: {} })) },
    }).start();
    workers.push(w);
    const runId = newId("run");
    const steps = Array.from({ length: 40 }, (_, i) => `  - ${sh(`s${i}`)}`).join("\n");
    await slow.startRun({ runId, teamId: team.id, ...(await version(`name: many\nsteps:\n${steps}\n`)) });
    w.wake();
    expect((await waitForEnd(runId)).status).toBe("succeeded");
    expect(executed).toBe(40);
    // (Counting only running steps, it would claim again each time its steps finished: a pile of
    // results waiting for the commit, making it slower still.)
    expect(most).toBeLessThanOrEqual(4);
  });
});

