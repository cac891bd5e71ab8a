import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { StepLogLine } from "../step-log-line";
import { createShellExecutor } from "../shell-executor";
import { detectSandbox } from "./detect-sandbox";

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "wf-sandbox-stop-")));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const ROOT = resolve(__dirname, "../../../..");

/** Running processes whose command line is exactly `args`. */
function running(args: string): number {
  return execFileSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.slice(1).join(" ") === args && !(f[0] ?? "").startsWith("Z")).length;
}

const until = async (ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe(`stopping a sandboxed step (${detectSandbox().kind})`, () => {
  it("a cancel gives the step its grace: SIGTERM reaches it inside the sandbox and its trap runs", async () => {
    const logs: StepLogLine[] = [];
    const executor = createShellExecutor({ dataDir, baseEnv: { PATH: "/usr/bin:/bin" }, killGraceMs: 5_000, onLog: (l) => logs.push(l) });
    const controller = new AbortController();
    const pending = executor.execute({
      runId: "grace",
      stepId: "s",
      attempt: 1,
      stepType: "shell",
      params: { command: `trap 'echo cleaned > "$WF_WORKSPACE/cleaned"; exit 0' TERM; echo ready; while :; do sleep 0.1; done` },
      idempotencyKey: "grace:s:1",
      redact: [],
      signal: controller.signal,
    });
    await until(() => logs.some((l) => l.line === "ready"));
    const t0 = Date.now();
    controller.abort("cancelled");
    expect((await pending).ok).toBe(false);
    expect(Date.now() - t0).toBeLessThan(4_000); // ended by its trap, not by the SIGKILL after the grace
    expect(existsSync(join(dataDir, "workspaces", "grace", "cleaned"))).toBe(true);
  });

  it("a worker killed with SIGKILL takes its sandboxed steps with it (--die-with-parent)", async () => {
    // A worker of its own (src/server/testing/run-one-step.ts) running `sleep 3017`.
    const worker = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/server/testing/run-one-step.ts"), dataDir, "sleep 3017"], { cwd: ROOT, stdio: "ignore" });
    try {
      await until(() => running("sleep 3017") === 1, 30_000);
      worker.kill("SIGKILL");
      await until(() => running("sleep 3017") === 0, 5_000);
    } finally {
      worker.kill("SIGKILL");
    }
  });
});
