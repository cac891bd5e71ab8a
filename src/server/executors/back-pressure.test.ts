import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createShellExecutor } from "./shell-executor";

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "wf-back-pressure-")));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("shell executor back-pressure", () => {
  it("stops reading a real child's output while the log sink asks it to wait: the child blocks, then finishes with every line", async () => {
    let lines = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const executor = createShellExecutor({
      dataDir,
      baseEnv: process.env,
      // From the 10th line on, the sink is "behind": every line returns the same pending promise.
      onLog: () => (++lines >= 10 ? gate : undefined),
    });
    const done = join(dataDir, "workspaces", "bp", "done");
    const result = executor.execute({
      runId: "bp",
      stepId: "print",
      attempt: 1,
      stepType: "shell",
      params: { command: `seq 1 200000; touch "$WF_WORKSPACE/done"` },
      idempotencyKey: "bp:print:1",
      redact: [],
      signal: new AbortController().signal,
    });
    await sleep(800);
    // 200,000 lines are 1.3 MB: far more than a pipe holds, so the paused child cannot have finished.
    expect(existsSync(done)).toBe(false);
    expect(lines).toBeLessThan(200_000);
    release();
    expect(await result).toEqual({ ok: true, output: {} });
    expect(existsSync(done)).toBe(true);
    expect(lines).toBe(200_000);
  });

  it("a cancelled step ends although its sink never catches up", async () => {
    const executor = createShellExecutor({ dataDir, baseEnv: process.env, killGraceMs: 200, onLog: () => new Promise<void>(() => {}) });
    const controller = new AbortController();
    const result = executor.execute({
      runId: "bp2",
      stepId: "print",
      attempt: 1,
      stepType: "shell",
      params: { command: "seq 1 10000000" },
      idempotencyKey: "bp2:print:1",
      redact: [],
      signal: controller.signal,
    });
    await sleep(300);
    controller.abort("cancelled");
    expect((await result).ok).toBe(false);
  });
});
