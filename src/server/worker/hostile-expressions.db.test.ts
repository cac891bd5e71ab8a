/**
 * Issue 13 #6 attacked end to end: the app's real REST and health route handlers on a real HTTP
 * server, the real embedded worker in the same process (it shares the event loop, as in `npm
 * start`), and a health prober in another process (its clock is not stalled with ours). While runs
 * whose first conditions are hostile start (nested all() over 600 items, a catastrophic regex, both
 * at once), /api/health keeps answering and each start request answers promptly.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as health } from "~/app/api/health/route";
import { POST as rest } from "~/app/api/v1/[...path]/route";
import { db } from "~/server/db";
import { saveWorkflow } from "~/server/services/workflows";
import { createToken } from "~/server/services/tokens";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { serveFetch } from "~/server/testing/serve-fetch";
import { startWorker } from "./runtime";
import type { Worker } from "./worker";

const NESTED = "inputs.items.all(x, inputs.items.all(y, inputs.items.all(z, x + y + z >= 0)))";
const REGEX = "inputs.text.matches('(a+)+$')";
const REGEX_LOOP = "inputs.items.all(i, inputs.text.matches('(a|aa)+$') == false)";
const HOSTILE = `name: hostile
inputs:
  items: { type: array, required: true }
  text: { type: string, required: true }
steps:
  - { id: regex, type: noop, if: "${REGEX}" }
  - { id: nested, type: noop, if: "${NESTED}" }
  - { id: both, type: noop, if: "${REGEX_LOOP} && ${NESTED}" }
  - { id: fanout, type: foreach, items: "inputs.items.filter(i, i < 8)", concurrency: 4, step: { type: noop, if: "${NESTED}" } }
`;

/** Another process asks /api/health `count` times and prints each latency in ms. */
function probeHealth(url: string, count: number, gapMs: number): Promise<number[]> {
  const script = `
    const out = [];
    for (let i = 0; i < ${count}; i++) {
      const t = performance.now();
      const r = await fetch(${JSON.stringify(`${url}/api/health`)});
      await r.text();
      out.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, ${gapMs}));
    }
    process.stdout.write(JSON.stringify(out));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (c: Buffer) => (text += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(text) as number[]) : reject(new Error(`health prober exited ${code}`))));
  });
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
};

describe("hostile expressions cannot stall the server", () => {
  let server: Awaited<ReturnType<typeof serveFetch>>;
  let worker: Worker;
  let token = "";

  const processEnv = process.env as Record<string, string | undefined>;
  const nodeEnv = processEnv.NODE_ENV;

  beforeAll(async () => {
    // As under `npm start`: outside production trpc-to-openapi re-validates the whole router (builds
    // the OpenAPI document) on every REST request, 15+ ms of work that is not the server's.
    processEnv.NODE_ENV = "production";
    await migrateTestDb();
    const team = await createTeam("Hostile");
    const admin = await createUserWithRoles(team.id, "admin@hostile.io", ["admin"]);
    token = (await createToken(admin, { name: "probe", role: "admin" })).secret;
    await saveWorkflow(team, { yaml: HOSTILE });
    server = await serveFetch({ "/api/health": () => health(), "/api/v1": (req) => rest(req) });
    worker = startWorker("embedded");
  });

  afterAll(async () => {
    processEnv.NODE_ENV = nodeEnv;
    await worker.stop(1000);
    await server.close();
  });

  it("keeps /api/health p99 under 100 ms while hostile runs start, and answers each start promptly", { timeout: 240_000 }, async () => {
    const items = Array.from({ length: 600 }, (_, i) => i);
    const inputs = { items, text: `${"a".repeat(20_000)}b` };
    const startRun = (body: unknown) =>
      fetch(`${server.url}/api/v1/runs`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    // A server that has answered before (first requests compile code and build the OpenAPI table).
    for (let i = 0; i < 3; i++) expect((await startRun({ workflow: "hostile", inputs: { items: [1], text: "ab" } })).status).toBe(200);
    /** Starts runs with `body` for as long as the prober asks /api/health (at least 5). */
    async function underLoad(body: unknown) {
      const probe = probeHealth(server.url, 200, 10);
      const starts: number[] = [];
      const runIds: string[] = [];
      let done = false;
      void probe.finally(() => (done = true));
      while (!done || starts.length < 5) {
        const t = performance.now();
        const res = await startRun(body);
        starts.push(performance.now() - t);
        expect(res.status).toBe(200);
        runIds.push(((await res.json()) as { id: string }).id);
        await new Promise((r) => setTimeout(r, 100));
      }
      return { latencies: await probe, starts, runIds };
    }
    // Wall-clock figures on a shared machine are noisy: up to three attempts, each with a baseline
    // (the same load with ordinary inputs: what the machine and the database cost by themselves).
    // The target is p99 < 100 ms; on a machine so loaded that the baseline alone is over 50 ms, the
    // hostile runs may add at most 100 ms to it. Before the budget every attempt stalled for seconds.
    let result: Awaited<ReturnType<typeof underLoad>> | undefined;
    const figures: string[] = [];
    let passed = false;
    for (let attempt = 1; attempt <= 3 && !passed; attempt++) {
      const baseline = await underLoad({ workflow: "hostile", inputs: { items: [1], text: "ab" } });
      result = await underLoad({ workflow: "hostile", inputs });
      const { latencies, starts } = result;
      const p99 = percentile(latencies, 0.99);
      const baseP99 = percentile(baseline.latencies, 0.99);
      const bound = baseP99 < 50 ? 100 : baseP99 + 100;
      figures.push(
        `attempt ${attempt}: /api/health over ${latencies.length} requests while ${starts.length} hostile runs started: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, ` +
          `p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; start requests max ${Math.max(...starts).toFixed(0)} ms, median ${percentile(starts, 0.5).toFixed(0)} ms ` +
          `(EXPRESSION_BUDGET_MS=50); baseline with ordinary inputs: p99 ${baseP99.toFixed(1)} ms, start max ${Math.max(...baseline.starts).toFixed(0)} ms; bound ${bound.toFixed(0)} ms`,
      );
      console.log(figures[figures.length - 1]);
      passed = p99 < bound && Math.max(...starts) < 1_000;
    }
    const { runIds } = result as NonNullable<typeof result>;
    expect(passed, figures.join("\n")).toBe(true);

    // Each hostile condition failed its step with an error naming the expression.
    const steps = await db.stepRun.findMany({ where: { runId: runIds[0], stepId: { in: ["nested", "regex", "both"] } } });
    const errors = Object.fromEntries(steps.map((s) => [s.stepId, (JSON.parse(s.state) as { status: string; error?: { code?: string; message: string } })]));
    expect(errors.nested).toMatchObject({ status: "failed", error: { code: "expression_budget" } });
    expect(errors.nested?.error?.message).toContain(NESTED);
    // RE2 answers the catastrophic pattern at once (evaluated first, on a fresh budget): false, skipped.
    expect(errors.regex?.status).toBe("skipped");
    expect(errors.both).toMatchObject({ status: "failed", error: { code: "expression_budget" } });
  });
});
