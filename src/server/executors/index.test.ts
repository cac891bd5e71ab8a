import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Json } from "~/engine/json";
import type { StepExecution } from "~/engine/ports";
import { createExecutors, withErrorBoundary } from "./index";
import type { StepLogLine } from "./step-log-line";

const dataDir = mkdtempSync(join(tmpdir(), "wf-executors-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const execution = (stepType: StepExecution["stepType"], params: Json, redact: string[] = []): StepExecution => ({
  runId: "run-1",
  stepId: "s1",
  attempt: 1,
  stepType,
  params,
  idempotencyKey: "run-1:s1:1",
  redact,
  signal: new AbortController().signal,
});

describe("createExecutors", () => {
  const logs: StepLogLine[] = [];
  const executors = createExecutors({ dataDir, allowHosts: [], baseEnv: { PATH: process.env.PATH }, onLog: (l) => logs.push(l) });

  it("provides noop, shell and http", async () => {
    expect(Object.keys(executors).sort()).toEqual(["http", "noop", "shell"]);
    expect(await executors.noop.execute(execution("noop", { output: { version: "1.2.3" } }))).toEqual({ ok: true, output: { version: "1.2.3" } });
    expect(await executors.noop.execute(execution("noop", null))).toEqual({ ok: true, output: {} });
    expect(await executors.noop.execute(execution("noop", { outptu: 1 }))).toMatchObject({ ok: false, error: { code: "invalid_params" } });
    expect(await executors.shell.execute(execution("shell", { command: "echo hi" }))).toEqual({ ok: true, output: {} });
    expect(logs.map((l) => l.line)).toEqual(["hi"]);
    expect(await executors.http.execute(execution("http", { url: "http://127.0.0.1:1/" }))).toMatchObject({
      ok: false,
      error: { code: "forbidden_address" },
    });
  });

  it("turns an exception inside an executor into a failed step, redacted", async () => {
    const buggy = withErrorBoundary("buggy", {
      execute: async (e) => {
        throw new Error(`cannot read ${String(e.params)} of undefined`);
      },
    });
    expect(await buggy.execute(execution("noop", "secret-value", ["secret-value"]))).toEqual({
      ok: false,
      error: { code: "executor_error", message: "buggy executor failed: cannot read *** of undefined" },
    });
  });
});
