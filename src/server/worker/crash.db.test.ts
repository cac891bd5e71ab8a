/**
 * Crash safety with real processes: a standalone worker (`src/server/worker/main.ts`) SIGKILLs
 * itself at a crashpoint, a fresh worker takes over, and the database must still tell the truth:
 * every run ends, no finished step is lost, every attempt's side effect (a line in a marker file
 * in the run's workspace: the one place a sandboxed step may write) happened at most once, and
 * re-executions are recorded as attempt > 1.
 *
 *         ┌─► b0 ─┐
 *   a ────┼─► …  ─┼──► z ──► tail
 *         └─► b5 ─┘
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { db } from "~/server/db";
import { newId } from "~/server/ids";
import { saveWorkflow } from "~/server/services/workflows";
import { engineStore } from "~/server/store/instance";
import { createTeam, migrateTestDb } from "~/server/testing/seed";
import { killWorkerProcesses, spawnWorkerProcess } from "~/server/testing/worker-process";

const mark = (id: string, needs?: string) =>
  `  - id: ${id}\n    type: shell\n${needs ? `    needs: [${needs}]\n` : ""}    params:\n      command: 'mkdir -p "$WF_WORKSPACE/.marks"; echo "$WF_ATTEMPT" >> "$WF_WORKSPACE/.marks/$WF_STEP_ID.$WF_ATTEMPT"; sleep 0.05; printf "{\\"step\\":\\"%s\\"}" "$WF_STEP_ID" > "$WF_OUTPUT"'\n`;
const FAN = Array.from({ length: 6 }, (_, i) => `b${i}`);
const YAML =
  "name: crashy\nsteps:\n" +
  mark("a") +
  FAN.map((b) => mark(b, "a")).join("") +
  mark("z", FAN.join(", ")) +
  mark("tail", "z");
const STEPS = ["a", ...FAN, "z", "tail"];

const worker = (extra: Record<string, string>) => spawnWorkerProcess({ WORKER_LEASE_MS: "800", WORKER_POLL_MS: "20", ...extra });

async function allEnded(runIds: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await db.run.count({ where: { id: { in: runIds }, status: { notIn: ["succeeded", "failed", "cancelled"] } } });
    if (open === 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe("crash safety", () => {
  let team: { id: string; name: string };
  let version: { id: string; workflowId: string; version: number };

  afterEach(killWorkerProcesses);

  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("Crash");
    await saveWorkflow(team, { yaml: YAML });
    const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: "crashy" } } });
    version = { id: v.id, workflowId: v.workflowId, version: v.version };
  });

  const cases = (["after_claim", "before_commit", "after_commit", "mid_fanout"] as const).flatMap((point) => [0, 3].map((skip) => ({ point, skip })));
  let reexecuted = 0;

  it.each(cases)("a worker killed at $point (after $skip passes) loses nothing", { timeout: 60_000 }, async ({ point, skip }) => {
    const runIds = [newId("run"), newId("run")];
    for (const runId of runIds) {
      await engineStore().startRun({ runId, teamId: team.id, workflowId: version.workflowId, workflowVersionId: version.id, version: version.version });
    }

    // ACT: the first worker dies at the crashpoint (or finishes, if the point is never reached).
    const crashing = worker({ WF_TEST_CRASHPOINTS: "true", WF_CRASH_AT: point, WF_CRASH_SKIP: String(skip) });
    const crashed = await Promise.race([crashing.exit, allEnded(runIds, 20_000).then(() => undefined)]);
    if (crashed) expect(crashed.signal).toBe("SIGKILL");
    else crashing.kill("SIGKILL");
    await crashing.exit;

    // A fresh worker recovers: expired leases are reclaimed as new attempts.
    const recovery = worker({});
    await recovery.owner;
    expect(await allEnded(runIds, 30_000)).toBe(true);
    recovery.kill("SIGTERM");
    const stopped = await recovery.exit;
    expect(stopped.code, `the recovery worker ended by ${stopped.signal ?? "exit"}`).toBe(0);

    // ASSERT
    for (const runId of runIds) {
      const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
      expect(run.status, run.reason ?? "").toBe("succeeded");
      const steps = await db.stepRun.findMany({ where: { runId } });
      expect(steps.map((s) => s.stepId).sort()).toEqual([...STEPS].sort());
      for (const s of steps) {
        const state = JSON.parse(s.state) as { status: string; attempt: number; output?: unknown };
        expect(state.status).toBe("succeeded");
        expect(state.output).toEqual({ step: s.stepId }); // no finished step is lost
      }
      const attempts = await db.stepAttempt.findMany({ where: { runId } });
      // Earlier attempts of a step are recorded as lost; the last one succeeded.
      for (const a of attempts) expect(["succeeded", "lost"]).toContain(a.status);
      if (attempts.some((a) => a.attempt > 1)) reexecuted++;
      const recorded = new Set(attempts.map((a) => `${a.stepId}.${a.attempt}`));
      const marks = join(env.dataDir, "workspaces", runId, ".marks");
      expect(existsSync(marks)).toBe(true);
      // Every side effect happened at most once per recorded attempt.
      for (const f of readdirSync(marks)) {
        const lines = readFileSync(join(marks, f), "utf8").trim().split("\n");
        expect(lines.length, `${f} ran ${lines.length} times`).toBe(1);
        expect(recorded.has(f), `${f} ran but that attempt is not recorded`).toBe(true);
      }
      // …and every step's succeeded attempt left its mark.
      for (const a of attempts.filter((a) => a.status === "succeeded")) {
        expect(readdirSync(marks)).toContain(`${a.stepId}.${a.attempt}`);
      }
    }
  });

  it("re-executed steps after crashes, as attempts > 1", () => {
    expect(reexecuted).toBeGreaterThan(0);
  });
});
