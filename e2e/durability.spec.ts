/**
 * `kill -9` the whole `npm start` (server and embedded worker) while shell steps run, start it
 * again on the same data: every run finishes, and the steps that were cut off run again as new
 * attempts. Each attempt leaves a mark in its run's workspace (the one place a sandboxed step may
 * write).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";

const PORT = 3231;
const BASE = `http://127.0.0.1:${PORT}`;
const TOKEN = "wf_durability_token_0123456789abcdef";
const ROOT = resolve(process.cwd());
const DATA = join(ROOT, "test-results", `durability-${PORT}`);

function startServer(): ChildProcess {
  return spawn(process.execPath, [join(ROOT, "scripts/start.mjs"), "--no-build"], {
    cwd: ROOT,
    detached: true, // its own process group: kill -9 takes the server and everything it started
    stdio: "ignore",
    env: {
      NODE_ENV: "production",
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(PORT),
      HOST: "127.0.0.1",
      NEXTAUTH_URL: BASE,
      DATA_DIR: DATA,
      DATABASE_URL: `file:${join(DATA, "app.db")}`,
      ADMIN_EMAIL: "admin@durability.test",
      ADMIN_PASSWORD: "admin-password-1",
      ADMIN_API_TOKEN: TOKEN,
      WORKER_LEASE_MS: "1500",
      LOG_LEVEL: "warn",
    },
  });
}

async function waitReady(request: APIRequestContext) {
  await expect(async () => expect((await request.get(`${BASE}/api/ready`)).status()).toBe(200)).toPass({ timeout: 60_000 });
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** `<run>.<step>.<attempt>` of every mark the runs' steps left in their workspaces. */
function marksOf(runIds: readonly string[]): string[] {
  return runIds.flatMap((id) => {
    const dir = join(DATA, "workspaces", id, ".marks");
    return existsSync(dir) ? readdirSync(dir).map((f) => `${id}.${f}`) : [];
  });
}

test("kill -9 of npm start mid-run: started again, the runs finish", async ({ request }) => {
  test.setTimeout(180_000);
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  let server = startServer();
  try {
    await waitReady(request);
    const step = (id: string, needs?: string) =>
      `  - id: ${id}\n    type: shell\n${needs ? `    needs: [${needs}]\n` : ""}    params:\n      command: 'sleep 1; mkdir -p "$WF_WORKSPACE/.marks"; touch "$WF_WORKSPACE/.marks/$WF_STEP_ID.$WF_ATTEMPT"'\n`;
    const yaml = `name: slow-chain\nsteps:\n${step("one")}${step("two", "one")}${step("three", "two")}`;
    expect((await request.post(`${BASE}/api/v1/workflows`, { headers: auth, data: { yaml } })).status()).toBe(200);
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request.post(`${BASE}/api/v1/runs`, { headers: auth, data: { workflow: "slow-chain" } });
      expect(res.status()).toBe(200);
      runIds.push((await res.json()).id);
    }
    // Let the first steps run, then kill everything mid-step.
    await expect(async () => expect(marksOf(runIds).length).toBeGreaterThanOrEqual(2)).toPass({ timeout: 30_000 });
    process.kill(-(server.pid as number), "SIGKILL");
    await new Promise((r) => server.once("exit", r));

    server = startServer();
    await waitReady(request);
    for (const id of runIds) {
      await expect(async () => {
        const run = await (await request.get(`${BASE}/api/v1/runs/${id}`, { headers: auth })).json();
        expect(run.status).toBe("succeeded");
      }).toPass({ timeout: 60_000 });
    }
    const runs = await Promise.all(runIds.map(async (id) => (await request.get(`${BASE}/api/v1/runs/${id}`, { headers: auth })).json()));
    for (const run of runs) {
      for (const s of run.steps) expect(marksOf(runIds)).toContain(`${run.id}.${s.id}.${s.attempt}`);
    }
    // Steps cut off by the kill ran again as new attempts, and the old attempt is recorded as lost.
    const attempts = runs.flatMap((r: { steps: { attempts: { attempt: number; status: string }[] }[] }) => r.steps.flatMap((s) => s.attempts));
    expect(attempts.some((a: { attempt: number }) => a.attempt > 1)).toBe(true);
    expect(attempts.filter((a: { status: string }) => a.status === "lost").length).toBeGreaterThan(0);
  } finally {
    try {
      process.kill(-(server.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  }
});
