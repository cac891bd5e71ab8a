/**
 * Logs lose nothing silently: a real worker runs real shell steps that print a million lines, on
 * the test's database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set). Either every line is
 * stored, in order, or storage ends with one marker line whose counts make up the difference.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { env, processEnvForChildren } from "~/env";
import { db } from "~/server/db";
import { createExecutors } from "~/server/executors";
import { newId } from "~/server/ids";
import { saveWorkflow } from "~/server/services/workflows";
import { createEngineStore } from "~/server/store/create-engine-store";
import type { EngineStore } from "~/server/store/engine-store";
import { createTeam, migrateTestDb } from "~/server/testing/seed";
import { Worker } from "./worker";

const LINES = 1_000_000;
let team: { id: string; name: string };
let store: EngineStore;
const workers: Worker[] = [];

function startWorker(logMaxBytes?: number): Worker {
  const sink: { worker?: Worker } = {};
  const executors = createExecutors({
    dataDir: env.dataDir,
    baseEnv: processEnvForChildren(),
    onLog: (l) => sink.worker?.log({ runId: l.runId, stepId: l.stepId, attempt: l.attempt, stream: l.stream, text: l.line, at: l.at }),
  });
  const w = new Worker({ store, executors, pollMs: 20, logMaxBytes }).start();
  sink.worker = w;
  workers.push(w);
  return w;
}

async function run(command: string): Promise<{ runId: string; status: string; ms: number }> {
  const saved = await saveWorkflow(team, { yaml: `name: chatty-${newId("w")}\nsteps:\n  - id: print\n    type: shell\n    params: { command: ${JSON.stringify(command)} }\n` });
  const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: saved.name }, version: saved.version } });
  const runId = newId("run");
  const t0 = performance.now();
  await store.startRun({ runId, teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version, approvalMode: "auto" });
  for (const w of workers) w.wake();
  for (;;) {
    const r = await store.getRun(runId);
    if (r && ["succeeded", "failed", "cancelled"].includes(r.status)) return { runId, status: r.status, ms: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every stored line of the run, in storage order (ids), read in pages. */
async function storedLines(runId: string): Promise<Array<{ stream: string; text: string }>> {
  const out: Array<{ stream: string; text: string }> = [];
  let after = 0;
  for (;;) {
    const page = await db.stepLog.findMany({ where: { runId, id: { gt: after } }, orderBy: { id: "asc" }, take: 50_000, select: { id: true, stream: true, text: true } });
    if (!page.length) return out;
    for (const l of page) out.push({ stream: l.stream, text: l.text });
    after = page[page.length - 1]!.id;
  }
}

describe(`a step printing ${LINES} lines (${process.env.TEST_DATABASE_URL ? "postgresql" : "sqlite"})`, () => {
  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("Chatty");
    store = createEngineStore({ leaseMs: 10_000 });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(1000)));
  });

  it("stores every line in order when the log stays under STEP_LOG_MAX_BYTES", async () => {
    startWorker(); // default cap, 10 MiB: `seq 1 1000000` prints 6.9 MB
    const { runId, status, ms } = await run(`seq 1 ${LINES}`);
    expect(status).toBe("succeeded");
    const lines = await storedLines(runId);
    expect(lines.length).toBe(LINES);
    // In order, none twice, none missing (checked without a million expect calls).
    const wrong = lines.findIndex((l, i) => l.stream !== "stdout" || l.text !== String(i + 1));
    expect(wrong, JSON.stringify([lines.findIndex((l) => l.text === "1"), lines.findIndex((l) => l.text === "4900"), lines.slice(Math.max(0, wrong - 2), wrong + 3)])).toBe(-1);
    console.log(`[figure] ${env.databaseKind}: ${LINES} lines stored in ${(ms / 1000).toFixed(1)} s = ${Math.round(LINES / (ms / 1000))} lines/s (run start to end, 2 cores)`);
  }, 240_000);

  it("ends storage at the cap with ONE marker line whose counts make up what was printed", async () => {
    const cap = 1_048_576;
    startWorker(cap);
    // The step goes on after its log is cut: its output keeps draining and it still succeeds.
    const { runId, status } = await run(`seq 1 ${LINES}; echo after > "$WF_WORKSPACE/after"`);
    expect(status).toBe("succeeded");
    const lines = await storedLines(runId);
    const markers = lines.filter((l) => l.stream === "system");
    expect(markers).toHaveLength(1);
    expect(lines[lines.length - 1]).toBe(markers[0]);
    const m = /^\[log truncated: (\d+) lines \((\d+) bytes\) not stored; this attempt's log reached STEP_LOG_MAX_BYTES \(1048576 bytes\)\]$/.exec(markers[0]!.text);
    expect(m, markers[0]!.text).not.toBeNull();
    const stored = lines.filter((l) => l.stream === "stdout");
    expect(stored.length + Number(m![1])).toBe(LINES);
    // What was stored is the beginning, in order, within the cap; the dropped bytes are the rest.
    expect(stored.findIndex((l, i) => l.text !== String(i + 1))).toBe(-1);
    const storedBytes = stored.reduce((n, l) => n + l.text.length + 1, 0);
    expect(storedBytes).toBeLessThanOrEqual(cap);
    expect(storedBytes + Number(m![2])).toBe(6_888_896); // bytes `seq 1 1000000` prints
  }, 240_000);
});
