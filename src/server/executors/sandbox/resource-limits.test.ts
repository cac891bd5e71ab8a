import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createShellExecutor } from "../shell-executor";
import { detectSandbox } from "./detect-sandbox";
import { applyLimits, DEFAULT_LIMITS, limitFailure } from "./resource-limits";

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "wf-limits-")));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("resource limits", () => {
  it("a step's own limits apply, the ceilings fill the rest, and more than a ceiling is refused naming the variable", () => {
    expect(applyLimits(undefined, DEFAULT_LIMITS)).toEqual({ ok: true, limits: DEFAULT_LIMITS });
    expect(applyLimits({ cpuSeconds: 30 }, DEFAULT_LIMITS)).toEqual({ ok: true, limits: { ...DEFAULT_LIMITS, cpuSeconds: 30 } });
    expect(applyLimits({ processes: 1000 }, DEFAULT_LIMITS)).toEqual({ ok: false, message: expect.stringContaining("resources.processes 1000 is more than this server allows (STEP_PROCESSES_MAX=256)") });
    expect(applyLimits({ cpuSeconds: 3600 }, DEFAULT_LIMITS)).toEqual({ ok: false, message: expect.stringContaining("resources.cpu_time 1h is more than this server allows (STEP_CPU_TIME_MAX=10m)") });
  });

  it("names the limit that ended a step, and nothing when the failure says otherwise", () => {
    const limits = { memoryBytes: 64 * 1024 ** 2, cpuSeconds: 5, processes: 20 };
    expect(limitFailure({ signal: "SIGXCPU" }, limits, [], "")).toMatchObject({ code: "resource_limit", message: "killed: cpu_time limit 5s exceeded (SIGXCPU)" });
    expect(limitFailure({ exitCode: 152 }, limits, [], "")).toMatchObject({ code: "resource_limit", exit_code: 152 });
    expect(limitFailure({ exitCode: 1 }, limits, ["Traceback", "MemoryError"], "MemoryError")?.message).toBe("memory limit 64MB exceeded (a process could not allocate more): MemoryError");
    expect(limitFailure({ exitCode: 2 }, limits, ["sh: 1: Cannot fork"], "sh: 1: Cannot fork")?.message).toMatch(/^processes limit 20 reached/);
    expect(limitFailure({ exitCode: 1 }, limits, ["error: missing semicolon"], "error: missing semicolon")).toBeUndefined();
    expect(limitFailure({ exitCode: 0 }, limits, ["cannot allocate memory (retried, fine)"], "")).toBeUndefined();
  });

  it("memory and CPU limits hold with SHELL_SANDBOX=none too (explicitly: what still protects the server without the sandbox)", async () => {
    const executor = createShellExecutor({ dataDir, baseEnv: { PATH: "/usr/bin:/bin" }, sandbox: detectSandbox({ mode: "none" }) });
    const run = (command: string, resources: { memoryBytes?: number; cpuSeconds?: number }) =>
      executor.execute({ runId: "none", stepId: "s", attempt: 1, stepType: "shell", params: { command }, resources, idempotencyKey: "none:s:1", redact: [], signal: new AbortController().signal });
    expect(await run("while :; do :; done", { cpuSeconds: 1 })).toMatchObject({ ok: false, error: { code: "resource_limit", message: "killed: cpu_time limit 1s exceeded (SIGXCPU)" } });
    expect(await run(`bash -c 'x=$(head -c 200000000 /dev/zero | tr "\\\\0" a)'`, { memoryBytes: 64 * 1024 ** 2 })).toMatchObject({ ok: false, error: { code: "resource_limit", message: expect.stringMatching(/^memory limit 64MB exceeded/) } });
  }, 60_000);
});
