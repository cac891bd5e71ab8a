/**
 * Scale-out on PostgreSQL: three standalone worker processes share one database through
 * `FOR UPDATE SKIP LOCKED` claims and LISTEN/NOTIFY wake-ups.
 *
 *         ┌─► b0 ─┐
 *   a ────┼─► …  ─┼──► z
 *         └─► b3 ─┘
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer, connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { db } from "~/server/db";
import { newId } from "~/server/ids";
import { saveWorkflow } from "~/server/services/workflows";
import { engineStore } from "~/server/store/instance";
import { createTeam, migrateTestDb } from "~/server/testing/seed";
import { killWorkerProcesses, spawnWorkerProcess } from "~/server/testing/worker-process";


const step = (id: string, needs: string | undefined, command: string) =>
  `  - id: ${id}\n    type: shell\n${needs ? `    needs: [${needs}]\n` : ""}    params:\n      command: '${command}'\n`;
// Side effects are marked inside the run's workspace: a sandboxed step can write nowhere else.
const MARK = 'mkdir -p "$WF_WORKSPACE/.marks"; echo "$WF_ATTEMPT" >> "$WF_WORKSPACE/.marks/$WF_STEP_ID.$WF_ATTEMPT"';
const workspaceOf = (runId: string) => join(env.dataDir, "workspaces", runId);

const startWorker = (databaseUrl?: string) => spawnWorkerProcess({ WORKER_POLL_MS: "200", ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });

async function waitEnded(ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await db.run.count({ where: { id: { in: ids }, status: { notIn: ["succeeded", "failed", "cancelled"] } } });
    if (!open) return;
    if (Date.now() > deadline) throw new Error(`${open} runs still open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("three workers on PostgreSQL", () => {
  let team: { id: string; name: string };
  const versions = new Map<string, { id: string; workflowId: string; version: number }>();

  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("Scale");
    const fan = ["b0", "b1", "b2", "b3"];
    const flows = {
      fan: `name: fan\nsteps:\n${step("a", undefined, MARK)}${fan.map((b) => step(b, "a", MARK)).join("")}${step("z", fan.join(", "), MARK)}`,
      slow: `name: slow\nsteps:\n${step("long", undefined, `${MARK}; sleep 3`)}`,
      beat: `name: beat\nsteps:\n${step("beat", undefined, 'while true; do date +%s%N > "$WF_WORKSPACE/alive"; sleep 0.1; done')}`,
    };
    for (const [name, yaml] of Object.entries(flows)) {
      await saveWorkflow(team, { yaml });
      const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name } } });
      versions.set(name, { id: v.id, workflowId: v.workflowId, version: v.version });
    }
  });

  afterEach(killWorkerProcesses);

  async function start(name: string): Promise<string> {
    const v = versions.get(name);
    if (!v) throw new Error(name);
    const runId = newId("run");
    await engineStore().startRun({ runId, teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version, inputs: {} });
    return runId;
  }

  it("run 200 fan-out runs: every step once per attempt, the work spread over all three", { timeout: 180_000 }, async () => {
    const workers = [startWorker(), startWorker(), startWorker()];
    const owners = await Promise.all(workers.map((w) => w.owner));
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await start("fan"));
    await waitEnded(ids, 150_000);

    expect(await db.run.count({ where: { id: { in: ids }, status: "succeeded" } })).toBe(200);
    const attempts = await db.stepAttempt.findMany({ where: { runId: { in: ids } } });
    expect(attempts.length).toBe(200 * 6);
    expect(attempts.every((a) => a.attempt === 1 && a.status === "succeeded")).toBe(true);
    // Each step's side effect happened exactly once.
    const files = ids.flatMap((id) => readdirSync(join(workspaceOf(id), ".marks")).map((f) => join(workspaceOf(id), ".marks", f)));
    expect(files.length).toBe(200 * 6);
    for (const f of files) expect(readFileSync(f, "utf8")).toBe("1\n");
    const perWorker = owners.map((o) => attempts.filter((a) => a.worker === o).length);
    for (const n of perWorker) expect(n, `steps per worker: ${perWorker.join(", ")}`).toBeGreaterThan(1200 * 0.1);
  });

  it("SIGKILL one worker mid-step: another reclaims its steps after the lease, as attempt 2", { timeout: 120_000 }, async () => {
    const workers = [startWorker(), startWorker(), startWorker()];
    const owners = await Promise.all(workers.map((w) => w.owner));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await start("slow"));
    // Wait until some worker holds a running step, then kill that worker.
    let victim: string | undefined;
    for (let i = 0; !victim && i < 200; i++) {
      const held = await db.stepRun.findFirst({ where: { runId: { in: ids }, leaseOwner: { not: null } } });
      victim = held?.leaseOwner ?? undefined;
      if (!victim) await new Promise((r) => setTimeout(r, 50));
    }
    const index = owners.indexOf(victim ?? "");
    expect(index).toBeGreaterThanOrEqual(0);
    workers[index]?.kill("SIGKILL");
    await workers[index]?.exit;

    await waitEnded(ids, 90_000);
    expect(await db.run.count({ where: { id: { in: ids }, status: "succeeded" } })).toBe(6);
    const attempts = await db.stepAttempt.findMany({ where: { runId: { in: ids } } });
    const lost = attempts.filter((a) => a.status === "lost");
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((a) => a.worker === victim)).toBe(true);
    for (const l of lost) {
      const next = attempts.find((a) => a.runId === l.runId && a.attempt === l.attempt + 1);
      expect(next?.status).toBe("succeeded");
      expect(next?.worker).not.toBe(victim);
    }
  });

  it("a worker cut off from the database stops its child processes instead of running on", { timeout: 60_000 }, async () => {
    // The worker reaches PostgreSQL through a TCP proxy the test can cut.
    const target = new URL(env.DATABASE_URL);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => (client.destroy(), upstream.destroy());
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const address = proxy.address();
    const viaProxy = new URL(env.DATABASE_URL);
    viaProxy.host = `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

    const w = startWorker(viaProxy.toString());
    await w.owner;
    const alive = join(workspaceOf(await start("beat")), "alive");
    for (let i = 0; i < 200 && !existsSync(alive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(alive)).toBe(true);

    // Cut: no connection gets through any more.
    proxy.close();
    for (const s of sockets) s.destroy();
    // Lease 1.5 s, then SIGTERM to the step's process group (SIGKILL 5 s later at the latest).
    await new Promise((r) => setTimeout(r, 1500 + 5000 + 1500));
    const last = statSync(alive).mtimeMs;
    await new Promise((r) => setTimeout(r, 1000));
    expect(statSync(alive).mtimeMs, "the step's process still runs after its worker lost the database").toBe(last);
  });
});
