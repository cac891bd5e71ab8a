/**
 * Shell steps are sandboxed from the server: real workflows, run by a real worker with the
 * executors the server builds (sandbox and limits from the environment: SHELL_SANDBOX unset, so
 * bubblewrap), attack the server from inside a step. Each attack must fail, and the run must say
 * why. A control runs one attack with SHELL_SANDBOX=none (the old behaviour) to show it is real.
 *
 *   victim:  plant (writes its own secret into its workspace)
 *   attack:  one shell step per attempt, each expected to fail
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, processEnvForChildren } from "~/env";
import { db } from "~/server/db";
import { createExecutors, detectSandbox, type Sandbox } from "~/server/executors";
import { newId } from "~/server/ids";
import { saveWorkflow } from "~/server/services/workflows";
import { createEngineStore } from "~/server/store/create-engine-store";
import type { EngineStore } from "~/server/store/engine-store";
import { createTeam, migrateTestDb } from "~/server/testing/seed";
import { stepLimits, stepSandbox } from "~/server/worker/step-sandbox";
import { Worker } from "~/server/worker/worker";

let team: { id: string; name: string };
let store: EngineStore;
const workers: Worker[] = [];
const logs = new Map<string, string[]>();

/** A variable only the server's own environment holds: no step may ever see it. */
const SERVER_ONLY = `server-only-${newId("x")}`;
process.env.WF_SANDBOX_TEST_SERVER_ONLY = SERVER_ONLY;

function startWorker(sandbox: Sandbox): Worker {
  const sink: { worker?: Worker } = {};
  const executors = createExecutors({
    dataDir: env.dataDir,
    baseEnv: processEnvForChildren(),
    sandbox,
    limits: stepLimits(),
    onLog: (l) => {
      const key = `${l.runId}/${l.stepId}`;
      logs.set(key, [...(logs.get(key) ?? []), l.line]);
      return sink.worker?.log({ runId: l.runId, stepId: l.stepId, attempt: l.attempt, stream: l.stream, text: l.line, at: l.at });
    },
  });
  const w = new Worker({ store, executors, pollMs: 20 }).start();
  sink.worker = w;
  workers.push(w);
  return w;
}

/** Runs a one-step workflow to its end; the step's error, status and printed lines. */
async function runStep(step: string): Promise<{ runId: string; status: string; error: string | undefined; lines: string[] }> {
  const name = `w-${newId("w").slice(-10).toLowerCase()}`;
  const saved = await saveWorkflow(team, { yaml: `name: ${name}\nsteps:\n${step}` });
  const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: saved.name }, version: saved.version } });
  const runId = newId("run");
  await store.startRun({ runId, teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version, approvalMode: "auto" });
  for (const w of workers) w.wake();
  for (let i = 0; ; i++) {
    const run = await store.getRun(runId);
    if (run && ["succeeded", "failed", "cancelled"].includes(run.status)) {
      const s = await db.stepRun.findFirstOrThrow({ where: { runId } });
      const state = JSON.parse(s.state) as { error?: { message: string } };
      return { runId, status: run.status, error: state.error?.message, lines: logs.get(`${runId}/${s.stepId}`) ?? [] };
    }
    if (i > 1500) throw new Error(`run ${runId} did not end`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const shell = (command: string, extra = "") => `  - id: s\n    type: shell\n${extra}    params:\n      command: ${JSON.stringify(command)}\n`;
/** DATA_DIR as a step can compute it: its workspace is DATA_DIR/workspaces/<run>. */
const DATA = 'DATA=$(dirname "$(dirname "$WF_WORKSPACE")"); ';

describe(`shell steps in the sandbox (${detectSandbox().kind})`, () => {
  let victim = "";

  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("Sandboxed");
    store = createEngineStore({ leaseMs: 10_000 });
    writeFileSync(join(env.dataDir, "nextauth-secret"), "the-session-signing-secret\n", { mode: 0o600 });
    // The sandbox really is bubblewrap here (.ci/run installs it): these tests must not pass by being skipped.
    expect(stepSandbox().kind).toBe("bwrap");
    startWorker(stepSandbox());
    // Another run (another team's, as far as a step can tell) leaves a secret in its workspace.
    const planted = await runStep(shell('echo "victim-secret" > "$WF_WORKSPACE/secret.txt"'));
    expect(planted.status).toBe("succeeded");
    victim = planted.runId;
    expect(existsSync(join(env.dataDir, "workspaces", victim, "secret.txt"))).toBe(true);
  });

  afterAll(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(1000)));
  });

  const attacks: Array<[string, (victim: string) => string, RegExp]> = [
    ["reads the database file", () => `${DATA}head -c 64 "$DATA/test.db"`, /No such file or directory/],
    ["reads the session secret", () => `${DATA}cat "$DATA/nextauth-secret"`, /No such file or directory/],
    ["reads another run's workspace", (v) => `${DATA}cat "$DATA/workspaces/${v}/secret.txt"`, /No such file or directory/],
    ["lists the workspaces", () => `${DATA}ls "$DATA/workspaces"`, /Permission denied/],
    ["reads /proc/1/environ", () => "cat /proc/1/environ", /Permission denied/],
    ["reads the server's /proc/<pid>/environ", () => `cat /proc/${process.pid}/environ`, /No such file or directory/],
    ["finds the server's environment anywhere in /proc", () => `! grep -rl "${SERVER_ONLY}" /proc/*/environ 2>/dev/null && echo "not found" >&2 && exit 3`, /not found/],
    ["reads /etc/shadow", () => "cat /etc/shadow", /Permission denied/],
    ["writes into DATA_DIR", () => `${DATA}echo pwned > "$DATA/pwned"`, /(Permission denied|Read-only|No such file)/],
    ["writes into /etc", () => "echo pwned > /etc/pwned", /(Read-only file system|Permission denied)/],
    ["writes into /usr", () => "touch /usr/pwned", /(Read-only file system|Permission denied)/],
  ];

  it.each(attacks)("a step that %s fails, and its run says why", async (_what, command, why) => {
    const r = await runStep(shell(command(victim)));
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(why);
    expect(existsSync(join(env.dataDir, "pwned"))).toBe(false);
    expect(existsSync("/etc/pwned")).toBe(false);
    expect(existsSync("/usr/pwned")).toBe(false);
  });

  it("runs as an unprivileged user with no capabilities, in its own PID namespace, and still works in its workspace", async () => {
    const r = await runStep(shell('id -u; grep CapEff /proc/self/status; ls /proc | grep -c "^[0-9]"; echo ok > "$WF_WORKSPACE/mine.txt"; cat "$WF_WORKSPACE/mine.txt"; echo "$HOME"; touch /tmp/scratch'));
    expect(r.status, r.error).toBe("succeeded");
    const [uid, caps, pids, ok, home] = r.lines;
    expect(Number(uid)).not.toBe(0);
    if (process.getuid?.() === 0) expect(uid).toBe(String(env.SHELL_SANDBOX_UID));
    expect(caps).toMatch(/^CapEff:\s+0+$/);
    expect(Number(pids)).toBeLessThan(10); // bwrap's init, the shell, ls, grep: not the host's processes
    expect(ok).toBe("ok");
    expect(home).toBe(join(env.dataDir, "workspaces", r.runId, ".wf", "home"));
  });

  it("control: with SHELL_SANDBOX=none (explicitly; the old behaviour) the same step reads the session secret", async () => {
    // A second worker without the sandbox, only for this run (the sandboxed one is stopped meanwhile).
    await Promise.all(workers.splice(0).map((w) => w.stop(1000)));
    startWorker(detectSandbox({ mode: "none" }));
    try {
      const r = await runStep(shell(`${DATA}cat "$DATA/nextauth-secret"`));
      expect(r.status).toBe("succeeded");
      expect(r.lines).toEqual(["the-session-signing-secret"]);
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.stop(1000)));
      startWorker(stepSandbox());
    }
  });

  describe("resource limits", () => {
    it("a busy loop is killed by its cpu_time limit, and the run names the limit", async () => {
      const r = await runStep(shell("while :; do :; done", "    resources: { cpu_time: 1s }\n    timeout: 30s\n"));
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/^killed: cpu_time limit 1s exceeded \(SIGXCPU\)/);
    });

    it("a process that allocates past its memory limit fails, and the run names the limit", async () => {
      const r = await runStep(shell(`bash -c 'x=$(head -c 200000000 /dev/zero | tr "\\\\0" a); echo \${#x}'`, "    resources: { memory: 64MB }\n"));
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/^memory limit 64MB exceeded/);
    });

    it("a step cannot run more processes than its limit, and the run names the limit", async () => {
      const r = await runStep(shell("for i in $(seq 40); do sleep 5 & done; wait", "    resources: { processes: 20 }\n"));
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/^processes limit 20 reached/);
    });

    it("a fork bomb stays within its processes limit and ends with its step (timeout), leaving nothing behind", async () => {
      const bomb = "bomb() { bomb | bomb & }; bomb; sleep 60";
      const pending = runStep(shell(`bash -c ${JSON.stringify(bomb).replaceAll('"', "'")}`, "    resources: { processes: 30 }\n    timeout: 3s\n"));
      let most = 0;
      let finished = false;
      void pending.then(() => (finished = true));
      while (!finished) {
        most = Math.max(most, sandboxUserProcesses("bomb()"));
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await pending;
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/timed out/);
      expect(most).toBeGreaterThan(5); // the bomb went off…
      expect(most).toBeLessThanOrEqual(30); // …and stayed within its limit
      await new Promise((r) => setTimeout(r, 200));
      expect(sandboxUserProcesses("bomb()")).toBe(0);
    });

    it("each step has its own process count: one step's processes do not use up another's", async () => {
      const hog = runStep(shell("for i in $(seq 25); do sleep 3 & done; wait", "    resources: { processes: 30 }\n"));
      await new Promise((r) => setTimeout(r, 700));
      const other = await runStep(shell("for i in $(seq 25); do sleep 0.5 & done; wait", "    resources: { processes: 30 }\n"));
      expect(other.status, other.error).toBe("succeeded");
      expect((await hog).status).toBe("succeeded");
    });

    it("asking for more than the server allows is refused with the variable to change", async () => {
      const r = await runStep(shell("true", "    resources: { memory: 64GB }\n"));
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/resources\.memory 64GB is more than this server allows \(STEP_MEMORY_MAX=2GB\)/);
    });
  });
});

/** Processes of the sandbox user on the host (as root, steps run as SHELL_SANDBOX_UID). */
/**
 * Live processes of the sandbox's uid whose command line contains `marker`
 * (other suites, and other test files running at the same time, run sandboxed steps too).
 */
function sandboxUserProcesses(marker: string): number {
  const uid = process.getuid?.() === 0 ? env.SHELL_SANDBOX_UID : -1;
  if (uid < 0) return 0;
  let n = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) continue;
      if (new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(status) && !/^State:\s+Z/m.test(status)) n++;
    } catch {
      // gone
    }
  }
  return n;
}
