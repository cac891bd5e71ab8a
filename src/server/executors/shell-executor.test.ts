import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Json } from "~/engine/json";
import type { ExecutionResult, StepExecution } from "~/engine/ports";
import { createShellExecutor } from "./shell-executor";
import type { StepLogLine } from "./step-log-line";

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "wf-shell-exec-")));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Tests may read the environment they run in (lint allows it in *.test.ts): the executor may not.
const baseEnv = { ...process.env, WF_TEST_SERVER_SECRET: "must-not-leak" };

let runCounter = 0;
function setup(extra: { killGraceMs?: number; maxLineLength?: number } = {}) {
  const logs: StepLogLine[] = [];
  const executor = createShellExecutor({ dataDir, baseEnv, onLog: (l) => logs.push(l), ...extra });
  const runId = `run-${++runCounter}`;
  const run = (params: Json, more: Partial<StepExecution> = {}): Promise<ExecutionResult> =>
    executor.execute({
      runId,
      stepId: "build",
      attempt: 1,
      stepType: "shell",
      params,
      idempotencyKey: `${runId}:build:1`,
      redact: [],
      signal: new AbortController().signal,
      ...more,
    });
  return { run, logs, runId, workspace: join(dataDir, "workspaces", runId) };
}

const lines = (logs: StepLogLine[], stream: "stdout" | "stderr") => logs.filter((l) => l.stream === stream).map((l) => l.line);

/**
 * Processes still running whose command line is exactly `args` (zombies excluded: they are dead
 * and only wait for reaping). By command line, not by process group: in the sandbox a step sees
 * its own PID namespace, so `$$` is not the group id the server sees; each test sleeps for its own
 * odd number of seconds to find its processes.
 */
function survivors(args: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.slice(2).join(" ") === args && !(f[1] ?? "").startsWith("Z"))
    .map((f) => f.join(" "));
}

describe("shell executor", () => {
  it("takes the step's output from the JSON written to $WF_OUTPUT", async () => {
    const { run } = setup();
    const result = await run({ command: `echo '{"artifact":"app.tar","size":3}' > "$WF_OUTPUT"` });
    expect(result).toEqual({ ok: true, output: { artifact: "app.tar", size: 3 } });
  });

  it("gives {} when nothing is written to $WF_OUTPUT, and WF_OUTPUT is fresh per attempt", async () => {
    const { run } = setup();
    expect(await run({ command: "true" })).toEqual({ ok: true, output: {} });
    const first = await run({ command: `echo '{"n":1}' > "$WF_OUTPUT"; echo "$WF_OUTPUT"` }, { attempt: 1 });
    expect(first).toEqual({ ok: true, output: { n: 1 } });
    // Attempt 2 writes nothing: it must not see attempt 1's file.
    expect(await run({ command: "true" }, { attempt: 2 })).toEqual({ ok: true, output: {} });
  });

  it("gives each attempt its own existing $WF_ARTIFACTS directory under the run's workspace", async () => {
    const { run, workspace } = setup();
    const cmd = { command: `echo report > "$WF_ARTIFACTS/report.txt"; printf '"%s"' "$WF_ARTIFACTS" > "$WF_OUTPUT"` };
    const first = await run(cmd, { attempt: 1 });
    const second = await run(cmd, { attempt: 2 });
    expect(first).toEqual({ ok: true, output: join(workspace, ".wf", "artifacts", "build", "1") });
    expect(second).toEqual({ ok: true, output: join(workspace, ".wf", "artifacts", "build", "2") });
    expect(readFileSync(join(workspace, ".wf", "artifacts", "build", "1", "report.txt"), "utf8")).toBe("report\n");
  });

  it("sets WF_* variables, params.env, and keeps the worker's other variables out", async () => {
    const { run, runId, workspace } = setup();
    const script = [
      `printf '{"run":"%s","step":"%s","attempt":"%s","key":"%s","ws":"%s","out":"%s","greeting":"%s","leak":"%s","path":"%s"}'`,
      `"$WF_RUN_ID" "$WF_STEP_ID" "$WF_ATTEMPT" "$WF_IDEMPOTENCY_KEY" "$WF_WORKSPACE" "$WF_OUTPUT" "$GREETING" "$WF_TEST_SERVER_SECRET" "$PATH"`,
      `> "$WF_OUTPUT"`,
    ].join(" ");
    const result = await run({ command: script, env: { GREETING: "hello", WF_RUN_ID: "forged" } }, { attempt: 3, idempotencyKey: `${runId}:build:3` });
    expect(result).toEqual({
      ok: true,
      output: {
        run: runId,
        step: "build",
        attempt: "3",
        key: `${runId}:build:3`,
        ws: workspace,
        out: join(workspace, ".wf", "build.3.output.json"),
        greeting: "hello",
        leak: "",
        path: process.env.PATH ?? "",
      },
    });
  });

  it("runs in the run's workspace, or in params.cwd inside it", async () => {
    const { run, workspace } = setup();
    const r1 = await run({ command: `printf '"%s"' "$(pwd)" > "$WF_OUTPUT"` });
    expect(r1).toEqual({ ok: true, output: workspace });
    mkdirSync(join(workspace, "src", "app"), { recursive: true });
    const r2 = await run({ command: `printf '"%s"' "$(pwd)" > "$WF_OUTPUT"`, cwd: "src/app" });
    expect(r2).toEqual({ ok: true, output: join(workspace, "src", "app") });
  });

  it.each([["../.."], ["/etc"], ["src/../../other-run"], ["escape"]])("refuses params.cwd %s outside the workspace", async (cwd) => {
    const { run, workspace } = setup();
    mkdirSync(workspace, { recursive: true });
    symlinkSync("/", join(workspace, "escape"));
    const marker = join(dataDir, `marker-${runCounter}`);
    const result = await run({ command: `touch ${marker}`, cwd });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("invalid_params");
      expect(result.error.message).toMatch(/params\.cwd .*outside the run's workspace/);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("streams stdout and stderr line by line, in order, flushing a partial last line", async () => {
    const { run, logs, runId } = setup();
    const result = await run({ command: `for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done; printf 'no newline'` });
    expect(result.ok).toBe(true);
    expect(lines(logs, "stdout")).toEqual(["out 1", "out 2", "out 3", "no newline"]);
    expect(lines(logs, "stderr")).toEqual(["err 1", "err 2", "err 3"]);
    expect(logs[0]).toMatchObject({ runId, stepId: "build", attempt: 1, stream: expect.stringMatching(/std(out|err)/) });
    expect(typeof logs[0]?.at).toBe("number");
  });

  it("joins a line written in pieces and splits chunks holding many lines", async () => {
    const { run, logs } = setup();
    await run({ command: `printf 'par'; sleep 0.1; printf 'tial\\nsecond\\nthird'; sleep 0.1; printf '\\n'` });
    expect(lines(logs, "stdout")).toEqual(["partial", "second", "third"]);
  });

  it("redacts secrets from log lines, the exit message and the output", async () => {
    const { run, logs } = setup();
    const secret = "s3cr3t-token-value";
    const result = await run(
      { command: `echo "token=${secret} ok"; echo "${secret}" >&2; printf '{"t":"${secret}"}' > "$WF_OUTPUT"` },
      { redact: [secret] },
    );
    expect(result).toEqual({ ok: true, output: { t: "***" } });
    expect(lines(logs, "stdout")).toEqual(["token=*** ok"]);
    expect(lines(logs, "stderr")).toEqual(["***"]);
    const failed = await run({ command: `echo "bad ${secret}" >&2; exit 2` }, { redact: [secret] });
    expect(failed).toEqual({ ok: false, error: { code: "exit_code", exit_code: 2, message: "exit code 2: bad ***" } });
  });

  it("caps long lines, still redacting a secret across the cut", async () => {
    const { run, logs } = setup({ maxLineLength: 100 });
    const secret = "ABCDEFGHIJ";
    // The secret starts 5 characters before the cap.
    await run({ command: `printf '%095d${secret}%0500d\\n' 0 0` }, { redact: [secret] });
    const [line] = lines(logs, "stdout");
    expect(line).toBe(`${"0".repeat(95)}***${"0".repeat(2)} [line truncated: 605 characters]`);
  });

  it("fails with the exit code and the last stderr line", async () => {
    const { run } = setup();
    const result = await run({ command: `echo "compiling" >&2; echo "error: missing semicolon" >&2; exit 7` });
    expect(result).toEqual({ ok: false, error: { code: "exit_code", exit_code: 7, message: "exit code 7: error: missing semicolon" } });
  });

  it("runs argv without a shell: $HOME stays literal", async () => {
    const { run, logs } = setup();
    const result = await run({ argv: ["printf", "%s\\n", "$HOME", "a b;c"] });
    expect(result.ok).toBe(true);
    expect(lines(logs, "stdout")).toEqual(["$HOME", "a b;c"]);
  });

  it("reports a program that does not exist", async () => {
    const { run } = setup();
    const result = await run({ argv: ["wf-no-such-program-here"] });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("spawn_error");
      expect(result.error.message).toContain("ENOENT");
    }
  });

  it("fails clearly when $WF_OUTPUT is not valid JSON", async () => {
    const { run, workspace } = setup();
    const result = await run({ command: `echo '{"status": pass}' > "$WF_OUTPUT"` });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("invalid_output");
      expect(result.error.message).toContain(`$WF_OUTPUT (${join(workspace, ".wf", "build.1.output.json")}) is not valid JSON`);
      expect(result.error.message).toContain('it starts with "{\\"status\\": pass}');
    }
  });

  it("refuses invalid params", async () => {
    const { run } = setup();
    const result = await run({ command: "true", argv: ["true"] });
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_params" } });
  });

  it("kills the whole process tree on abort, leaving no survivor", async () => {
    const { run } = setup({ killGraceMs: 2_000 });
    const controller = new AbortController();
    const pending = run({ command: `sleep 3011 & sleep 3011 & wait` }, { signal: controller.signal });
    for (let i = 0; i < 200 && survivors("sleep 3011").length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(survivors("sleep 3011").length).toBe(2);

    const started = Date.now();
    controller.abort("cancelled by alice");
    const result = await pending;
    expect(result).toEqual({ ok: false, error: { code: "cancelled", message: "step cancelled: cancelled by alice" } });
    expect(Date.now() - started).toBeLessThan(1_500); // SIGTERM was enough: no wait for the grace
    expect(survivors("sleep 3011")).toEqual([]);
  });

  it("escalates to SIGKILL after the grace when the tree ignores SIGTERM, and reports a timeout", async () => {
    const { run } = setup({ killGraceMs: 300 });
    const controller = new AbortController();
    const pending = run({ command: `trap '' TERM; sh -c "trap '' TERM; sleep 3012" & wait` }, { signal: controller.signal });
    for (let i = 0; i < 200 && survivors("sleep 3012").length < 1; i++) await new Promise((r) => setTimeout(r, 25));
    expect(survivors("sleep 3012").length).toBe(1);
    controller.abort(new DOMException("step exceeded 10s", "TimeoutError"));
    const result = await pending;
    expect(result).toEqual({ ok: false, error: { code: "timeout", message: "step timed out: step exceeded 10s" } });
    expect(survivors("sleep 3012")).toEqual([]);
  });

  it("ends background processes the step left behind when it exits", async () => {
    const { run } = setup({ killGraceMs: 500 });
    const started = Date.now();
    const result = await run({ command: `sleep 3013 &` });
    expect(result).toEqual({ ok: true, output: {} });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(survivors("sleep 3013")).toEqual([]);
  });

  it("does not start when the signal is already aborted", async () => {
    const { run, workspace } = setup();
    const controller = new AbortController();
    controller.abort("timeout");
    const result = await run({ command: "touch started" }, { signal: controller.signal });
    expect(result).toEqual({ ok: false, error: { code: "timeout", message: "step timed out: timeout" } });
    expect(existsSync(join(workspace, "started"))).toBe(false);
  });

  it("fails when $WF_OUTPUT is larger than the limit", async () => {
    const logs: StepLogLine[] = [];
    const executor = createShellExecutor({ dataDir, baseEnv, onLog: (l) => logs.push(l), maxOutputBytes: 10 });
    const result = await executor.execute({
      runId: "run-big",
      stepId: "big",
      attempt: 1,
      stepType: "shell",
      params: { command: `echo '"0123456789abcdef"' > "$WF_OUTPUT"` },
      idempotencyKey: "run-big:big:1",
      redact: [],
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ ok: false, error: { code: "output_too_large" } });
    expect(readFileSync(join(dataDir, "workspaces", "run-big", ".wf", "big.1.output.json"), "utf8")).toContain("0123456789");
  });
});
