/**
 * Restart recovers at once (issue 14.9): after a kill -9 of a worker process, a worker starting on
 * the same host takes over the dead process's leases at start instead of waiting out WORKER_LEASE_MS.
 * Real processes: a standalone worker is SIGKILLed while its steps run, a second one is started.
 *
 *   run × 6:  nap (a 2-second shell step) ──► done
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { newId } from "~/server/ids";
import { saveWorkflow } from "~/server/services/workflows";
import { engineStore } from "~/server/store/instance";
import { createTeam, migrateTestDb } from "~/server/testing/seed";
import { killWorkerProcesses, spawnWorkerProcess } from "~/server/testing/worker-process";
import { deadLocalOwners, localOwnerPrefix, workerOwner } from "./worker-owner";

const YAML = `name: naps
steps:
  - id: nap
    type: shell
    params: { command: sleep 2 }
  - id: done
    type: noop
    needs: [nap]
`;
const LEASE_MS = 30_000;
const worker = () => spawnWorkerProcess({ WORKER_LEASE_MS: String(LEASE_MS), WORKER_POLL_MS: "20", WORKER_CONCURRENCY: "8" });

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe("restart recovery", () => {
  let team: { id: string; name: string };
  let version: { id: string; workflowId: string; version: number };

  afterEach(killWorkerProcesses);

  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("Restart");
    await saveWorkflow(team, { yaml: YAML });
    const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: "naps" } } });
    version = { id: v.id, workflowId: v.workflowId, version: v.version };
  });

  it("a worker on the same host takes over a killed worker's steps at start, not after the lease", { timeout: 60_000 }, async () => {
    const runIds = Array.from({ length: 6 }, () => newId("run"));
    for (const runId of runIds) {
      await engineStore().startRun({ runId, teamId: team.id, workflowId: version.workflowId, workflowVersionId: version.id, version: version.version, inputs: {} });
    }
    const first = worker();
    const dead = await first.owner;
    const nap = { runId: { in: runIds }, stepId: "nap" };
    expect(await until(async () => (await db.stepRun.count({ where: { ...nap, leaseOwner: dead } })) === runIds.length, 20_000)).toBe(true);

    // ACT: kill -9 while every nap runs, then start another worker.
    first.kill("SIGKILL");
    await first.exit;
    // Without recovery nothing could take these steps before their leases expire.
    const leases = await db.stepRun.findMany({ where: { ...nap, leaseOwner: dead }, select: { leaseExpiresAt: true } });
    const firstExpiry = Math.min(...leases.map((l) => Number(l.leaseExpiresAt)));
    const restartedAt = Date.now();
    const second = worker();
    const owner = await second.owner;
    const upAt = Date.now();
    const retaken = await until(async () => (await db.stepRun.count({ where: { ...nap, leaseOwner: owner } })) === runIds.length, firstExpiry - Date.now());
    const retakenAt = Date.now();
    const ended = await until(async () => (await db.run.count({ where: { id: { in: runIds }, status: "succeeded" } })) === runIds.length, 30_000);
    const endedAt = Date.now();
    console.log(
      `restart recovery: worker up ${upAt - restartedAt} ms after the restart; all ${runIds.length} steps re-leased ${retakenAt - upAt} ms after it was up; ` +
        `all runs succeeded ${endedAt - restartedAt} ms after the restart (lease ${LEASE_MS} ms, the first would have expired ${firstExpiry - restartedAt} ms after the restart; steps of 2 s)`,
    );

    // ASSERT: every step was taken over before the dead worker's leases expired, the runs ended,
    // and the lost attempts are on record.
    expect(retaken, "the steps were re-leased only after the dead worker's leases expired").toBe(true);
    expect(retakenAt).toBeLessThan(firstExpiry);
    expect(ended).toBe(true);
    const lost = await db.stepAttempt.findMany({ where: { runId: { in: runIds }, stepId: "nap", status: "lost" } });
    expect(lost.map((a) => a.worker)).toEqual(runIds.map(() => dead));
  });

  it("leaves alone the leases of live workers and of other hosts", () => {
    const here = localOwnerPrefix();
    const mine = workerOwner();
    const live = `${here}1:abcd1234`; // pid 1 is always alive
    const otherHost = `elsewhere.example:999999:abcd1234`;
    const gone = `${here}99999999:abcd1234`; // above any pid_max: no such process
    const previousLife = `${here}${process.pid}:00000000`;
    expect(deadLocalOwners([mine, live, otherHost, gone, previousLife]).sort()).toEqual([gone, previousLife].sort());
  });
});
