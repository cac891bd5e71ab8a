import { describe, expect, it } from "vitest";
import type { TApproval, TRun, TRunStep, TRunSummary } from "./api-client";
import { age, canDecide, duration, expires, formatApprovalsTable, formatRunsTable, formatRunStatus, formatTransition, formatWatchTable, progressBar, stepTransitions, table, truncate, waited } from "./format";

const NOW = Date.parse("2025-03-01T12:00:00.000Z");
const iso = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

const step = (id: string, status: TRunStep["status"], extra: Partial<TRunStep> = {}): TRunStep => ({
  id,
  type: "shell",
  status,
  attempt: status === "pending" ? 0 : 1,
  startedAt: null,
  finishedAt: null,
  error: null,
  reason: null,
  needs: [],
  ...extra,
});

const summary = (id: string, extra: Partial<TRunSummary> = {}): TRunSummary => ({
  id,
  workflow: "hello",
  version: 2,
  status: "running",
  approvalMode: "interactive",
  startedBy: "ada@example.com",
  createdAt: iso(90),
  startedAt: iso(89),
  finishedAt: null,
  reason: null,
  progress: { total: 4, done: 1, running: 2 },
  ...extra,
});

describe("format", () => {
  it("durations and ages read like a person would say them", () => {
    expect([850, 12_340, 245_000, 7_380_000, 3 * 86_400_000 + 4 * 3_600_000].map(duration)).toEqual(["850ms", "12.3s", "4m05s", "2h03m", "3d04h"]);
    expect(duration(-1)).toBe("-");
    expect([5, 125, 7200, 200_000].map((s) => age(iso(s), NOW))).toEqual(["5s", "2m", "2h", "2d"]);
    expect(age(null, NOW)).toBe("-");
  });

  it("progress bars and truncation", () => {
    expect(progressBar(1, 4, 8)).toBe("[##------]");
    expect(progressBar(0, 0, 4)).toBe("[----]");
    expect(progressBar(9, 4, 4)).toBe("[####]");
    expect(truncate("line one\n  line two", 100)).toBe("line one line two");
    expect(truncate("abcdef", 4)).toBe("abc…");
  });

  it("tables strip escape sequences from cells (server text), align what is printed, and do not pad the last column", () => {
    const red = `${String.fromCharCode(27)}[31mfailed${String.fromCharCode(27)}[0m`;
    const title = `${String.fromCharCode(27)}]0;pwned${String.fromCharCode(7)}x`;
    expect(table(["A", "STATUS", "C"], [["long-id", red, title], ["b", "ok", ""]]).split("\n")).toEqual([
      "A        STATUS  C",
      "long-id  failed  x",
      "b        ok",
    ]);
  });

  it("wf runs: id, workflow, status, progress, running, started by, age", () => {
    const out = formatRunsTable([summary("run_a"), summary("run_b", { status: "succeeded", progress: { total: 4, done: 4, running: 0 }, startedBy: null, createdAt: iso(7200) })], NOW);
    expect(out.split("\n")).toEqual([
      "ID     WORKFLOW  STATUS     PROGRESS  RUNNING  STARTED BY       AGE",
      "run_a  hello v2  running    1/4       2        ada@example.com  1m",
      "run_b  hello v2  succeeded  4/4       0        -                2h",
    ]);
    expect(formatRunsTable([], NOW)).toBe("no runs");
  });

  it("wf runs --watch: progress bar and running step ids", () => {
    const out = formatWatchTable([{ run: summary("run_a"), running: ["build", "lint"] }], NOW);
    expect(out.split("\n")[1]).toBe("run_a  hello v2  running  [####------------] 1/4  build,lint     1m");
    expect(formatWatchTable([], NOW)).toBe("no active runs");
  });

  it("wf status: the run, then one row per step with attempt, duration and error or reason", () => {
    const run: TRun = {
      ...summary("run_a", { status: "failed", finishedAt: iso(30), reason: "step test failed" }),
      inputs: {},
      outputs: null,
      steps: [
        step("build", "succeeded", { startedAt: iso(89), finishedAt: iso(77) }),
        step("test", "failed", { attempt: 3, startedAt: iso(70), finishedAt: iso(30), error: { message: "exit code 2\nFAIL src/a.test.ts" } }),
        step("deploy", "skipped", { attempt: 0, reason: "need test failed" }),
      ],
    };
    const lines = formatRunStatus(run, NOW).split("\n");
    expect(lines.slice(0, 6)).toEqual([
      "run       run_a",
      "workflow  hello v2",
      "status    failed (step test failed)",
      "progress  [#####---------------] 1/4 done, 2 running",
      `started   ${iso(89)} by ada@example.com`,
      "duration  59.0s",
    ]);
    expect(lines.slice(7)).toEqual([
      "STEP    TYPE   STATUS     ATTEMPT  DURATION  ERROR/REASON",
      "build   shell  succeeded  1        12.0s",
      "test    shell  failed     3        40.0s     exit code 2 FAIL src/a.test.ts",
      "deploy  shell  skipped    -        -         need test failed",
    ]);
  });

  it("--wait lines: one per status or attempt change, pending steps at the first poll are not news", () => {
    //  build ──► test ──► deploy
    const first = [step("build", "running"), step("test", "pending"), step("deploy", "pending")];
    const second = [step("build", "succeeded"), step("test", "running"), step("deploy", "pending")];
    const third = [step("build", "succeeded"), step("test", "waiting_retry", { attempt: 1, error: { message: "flaky" } }), step("deploy", "pending")];
    const fourth = [step("build", "succeeded"), step("test", "running", { attempt: 2 }), step("deploy", "pending")];
    expect(stepTransitions([], first).map((t) => `${t.step}:${t.to}`)).toEqual(["build:running"]);
    expect(stepTransitions(first, second).map((t) => `${t.step}:${t.to}`)).toEqual(["build:succeeded", "test:running"]);
    expect(stepTransitions(second, second)).toEqual([]);
    const [retry] = stepTransitions(second, third);
    expect(retry).toEqual({ step: "test", from: "running", to: "waiting_retry", attempt: 1, error: "flaky" });
    expect(stepTransitions(third, fourth).map((t) => `${t.step}:${t.to}:${t.attempt}`)).toEqual(["test:running:2"]);

    const at = new Date(2025, 2, 1, 9, 5, 7);
    expect(formatTransition({ step: "test", from: "running", to: "failed", attempt: 2, error: "exit code 1" }, at)).toBe("09:05:07  test  failed  attempt 2  exit code 1");
    expect(formatTransition({ step: "build", from: undefined, to: "running", attempt: 1, error: null }, at)).toBe("09:05:07  build  running  attempt 1");
  });
});

describe("approval gates", () => {
  const gate = (extra: Partial<TApproval> = {}): TApproval => ({
    id: "apr_1",
    runId: "run_1",
    stepId: "deploy",
    attempt: 1,
    workflow: "release",
    status: "pending",
    policy: {},
    requestedAt: iso(125),
    expiresAt: null,
    decidedAt: null,
    decidedBy: null,
    startedBy: "ada@example.com",
    decisions: [],
    canDecide: { ok: true },
    ...extra,
  });

  it("waited until now or the decision; expires in, expired, never, - once decided; can I decide (why not)", () => {
    expect(waited(gate(), NOW)).toBe("2m05s");
    expect(waited(gate({ status: "approved", decidedAt: iso(5) }), NOW)).toBe("2m00s");
    expect(expires(gate({ expiresAt: new Date(NOW + 3_600_000).toISOString() }), NOW)).toBe("in 1h00m");
    expect(expires(gate({ expiresAt: iso(1) }), NOW)).toBe("expired");
    expect(expires(gate(), NOW)).toBe("never");
    expect(expires(gate({ status: "approved", expiresAt: iso(1) }), NOW)).toBe("-");
    expect(canDecide(gate())).toBe("yes");
    expect(canDecide(gate({ canDecide: { ok: false, reason: "Needs group:release." } }))).toBe("no (Needs group:release.)");
    expect(formatApprovalsTable([], NOW, "pending")).toBe("no pending approvals");
    expect(formatApprovalsTable([gate()], NOW).split("\n")).toEqual([
      "ID     WORKFLOW  RUN    STEP    WAITED  EXPIRES  CAN I DECIDE",
      "apr_1  release   run_1  deploy  2m05s   never    yes",
    ]);
  });
});
