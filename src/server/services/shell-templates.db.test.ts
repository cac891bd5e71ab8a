/**
 * Shell templates end to end, as an operator (who may only start runs) attacks them: the service
 * stores the run, the real worker claims the step and the real shell executor runs /bin/sh.
 *
 *   hello (workflows/hello.yaml):  greet (printf … "{{ inputs.who }}") ──► echo ("{{ steps.greet.output.greeting }}")
 *   measure:                       count (bytes and sha256 of {{ inputs.blob }}, in $WF_OUTPUT)
 *   exact:                         argv (params.argv with {{ inputs.blob }})
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "~/env";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { createShellExecutor } from "~/server/executors";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { Worker } from "~/server/worker/worker";
import { startRun } from "./runs";
import { saveWorkflow } from "./workflows";

// 10 MB inputs are over the default limits (RUN_INPUT_MAX_BYTES 256 KiB, RUN_INPUTS_MAX_BYTES 1 MiB):
// this deployment raises them, as an operator may, to show such values still reach the command.
vi.hoisted(() => {
  process.env.RUN_INPUT_MAX_BYTES = String(32 * 1024 * 1024);
  process.env.RUN_INPUTS_MAX_BYTES = String(64 * 1024 * 1024);
});

const MEASURE = `name: measure
inputs: { blob: { type: string } }
steps:
  - id: count
    type: shell
    params:
      command: >-
        printf '{"bytes":%s,"sha":"%s"}' "$(printf %s {{ inputs.blob }} | wc -c)"
        "$(printf %s "{{ inputs.blob }}" | sha256sum | cut -c1-64)" > "$WF_OUTPUT"
`;

const EXACT = `name: exact
inputs: { blob: { type: string } }
steps:
  - { id: argv, type: shell, params: { argv: ["printf", "%s", "{{ inputs.blob }}"] } }
`;

let operator: Actor;
const printed: { runId: string; stepId: string; line: string }[] = [];

async function finished(runId: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    if (["succeeded", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function step(runId: string, stepId: string) {
  const row = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId } } });
  return { status: row.status, ...(JSON.parse(row.state) as { output?: unknown; error?: { code?: string; message: string } }) };
}

describe("shell templates through the service, the database and the real worker", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Shell templates");
    operator = await createUserWithRoles(team.id, "operator@shell.io", ["operator"]);
    await saveWorkflow(team, { yaml: readFileSync(join(process.cwd(), "workflows", "hello.yaml"), "utf8") });
    await saveWorkflow(team, { yaml: MEASURE });
    await saveWorkflow(team, { yaml: EXACT });
    const worker = new Worker({
      store: engineStore(),
      executors: { shell: createShellExecutor({ dataDir: env.dataDir, baseEnv: { PATH: "/usr/local/bin:/usr/bin:/bin" }, onLog: (l) => printed.push(l) }) },
      pollMs: 10,
    }).start();
    return () => worker.stop(2000);
  });

  it.each([
    "$(cat data/nextauth-secret; touch PWNED)",
    "`touch PWNED`",
    "'; touch PWNED; '",
    "x; touch PWNED",
    "$IFS* ? [a-z]",
  ])("hello.yaml greets an operator's %j as text, and runs nothing", async (who) => {
    const run = await startRun(operator, { workflow: "hello", inputs: { who }, approvalMode: "auto" });
    expect((await finished(run.id)).status).toBe("succeeded");
    expect(await step(run.id, "greet")).toMatchObject({ status: "succeeded", output: { greeting: `hello ${who}` } });
    expect(printed.filter((l) => l.runId === run.id && l.stepId === "echo").map((l) => l.line)).toEqual(`hello ${who}`.split("\n"));
    expect(existsSync(join(env.dataDir, "workspaces", run.id, "PWNED"))).toBe(false);
  });

  it.each(['"; touch PWNED; echo "', "line one\ntouch PWNED"])("a payload that breaks hello.yaml's JSON (%j) fails the step on its output, still running nothing", async (who) => {
    const run = await startRun(operator, { workflow: "hello", inputs: { who }, approvalMode: "auto" });
    expect((await finished(run.id)).status).toBe("failed");
    expect(await step(run.id, "greet")).toMatchObject({ status: "failed", error: { code: "invalid_output" } });
    expect(existsSync(join(env.dataDir, "workspaces", run.id, "PWNED"))).toBe(false);
  });

  it("a 10 MB input reaches the command byte for byte (it failed with spawn E2BIG before)", async () => {
    const blob = `${"'$(touch PWNED)\" é".repeat(600_000).slice(0, 10 * 1024 * 1024)}\n`;
    const run = await startRun(operator, { workflow: "measure", inputs: { blob }, approvalMode: "auto" });
    expect((await finished(run.id)).status).toBe("succeeded");
    expect((await step(run.id, "count")).output).toEqual({ bytes: Buffer.byteLength(blob), sha: createHash("sha256").update(blob).digest("hex") });
    expect(existsSync(join(env.dataDir, "workspaces", run.id, "PWNED"))).toBe(false);
    // The value's file is gone with the step.
    expect(existsSync(join(env.dataDir, "step-values", run.id, "count.1"))).toBe(false);
  });

  it("a 10 MB value in argv (passed exactly, so not as a file) fails the step saying what to do", async () => {
    const run = await startRun(operator, { workflow: "exact", inputs: { blob: "a".repeat(10 * 1024 * 1024) }, approvalMode: "auto" });
    expect((await finished(run.id)).status).toBe("failed");
    expect(await step(run.id, "argv")).toMatchObject({
      status: "failed",
      error: { code: "invalid_params", message: expect.stringContaining("params.argv[2] is 10485760 bytes; the operating system takes at most 131071 bytes in one argument") },
    });
  });
});
