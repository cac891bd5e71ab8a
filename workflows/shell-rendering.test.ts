/**
 * Every shell step of the shipped workflows prints and outputs the same as before templates
 * became data (values passed as WF_VALUE_<k> instead of pasted into the script), for ordinary
 * inputs: both renderings run through the real shell executor and /bin/sh, side by side.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import type { StepDefinition } from "~/engine/definition/schema";
import { allSteps } from "~/engine/definition/validate-workflow";
import type { ExpressionContext } from "~/engine/expressions/evaluate";
import { renderStepParams } from "~/engine/expressions/render-step-params";
import { renderValue } from "~/engine/expressions/render-template";
import { compilePlan } from "~/engine/graph/compile-plan";
import type { Json } from "~/engine/json";
import { createRun } from "~/engine/scheduler/create-run";
import { detectSandbox } from "~/server/executors/sandbox/detect-sandbox";
import { createShellExecutor } from "~/server/executors/shell-executor";
import type { StepLogLine } from "~/server/executors/step-log-line";

const dir = __dirname;
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "wf-shipped-")));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
// The examples `sleep` to look busy: a stub first on PATH keeps this test fast.
const stubs = join(dataDir, "bin");
mkdirSync(stubs);
writeFileSync(join(stubs, "sleep"), "#!/bin/sh\nexit 0\n");
chmodSync(join(stubs, "sleep"), 0o755);
const logs: StepLogLine[] = [];
// SHELL_SANDBOX=none here: the stub lives outside any workspace, where a sandboxed step cannot see
// it, and this test compares renderings, not isolation (the sandbox has its own suite; the shipped
// workflows run sandboxed in the e2e specs and in src/server/services/shell-templates.db.test.ts).
const executor = createShellExecutor({ dataDir, baseEnv: { PATH: `${stubs}:/usr/local/bin:/usr/bin:/bin` }, onLog: (l) => logs.push(l), sandbox: detectSandbox({ mode: "none" }) });

/** Outputs the examples' later steps read (as in workflows.test.ts). */
const OUTPUTS: Record<string, Json> = {
  greet: { greeting: "hello world" },
  generate: { files: 12 },
  build: { artifact: "app.jar", image: "registry/app:1" },
  unit_tests: { coverage: 0.8 },
  deploy_branch: { url: "https://pr.example.com" },
  qa: { status: "pass" },
  smoke_test: { status: "pass" },
  merge: { conflicts: 0 },
  implement: [{ part: "api" }, { part: "ui" }],
};

/** Ordinary inputs besides the defaults: a space, digits, dots, a dash. */
const ORDINARY: Record<string, Json> = { string: "Ada Lovelace 2.0-rc", number: 7, array: ["one", "two"], boolean: true };

let runs = 0;
async function execute(params: Json, commandValues?: string[]) {
  const runId = `shipped-${++runs}`;
  const result = await executor.execute({
    runId,
    stepId: "s",
    attempt: 1,
    stepType: "shell",
    params,
    ...(commandValues ? { commandValues } : {}),
    idempotencyKey: `${runId}:s:1`,
    redact: [],
    signal: new AbortController().signal,
  });
  return { result, printed: logs.filter((l) => l.runId === runId).map((l) => `${l.stream}: ${l.line}`) };
}

/** Shell steps of a definition, foreach templates included (with a sample item). */
function shellSteps(steps: readonly StepDefinition[]): { id: string; params: Json; item?: Json }[] {
  const out: { id: string; params: Json; item?: Json }[] = [];
  for (const { step } of allSteps(steps)) {
    if (step.type === "shell") out.push({ id: step.id, params: step.params as Json });
    if (step.type === "foreach" && step.step.type === "shell") out.push({ id: `${step.id}[0]`, params: step.step.params as Json, item: "staging" });
  }
  return out;
}

describe("shipped workflows: shell steps print and output what they did before", () => {
  it.each(files)("%s", async (file) => {
    const loaded = loadWorkflow(readFileSync(join(dir, file), "utf8"), { file });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const definition = loaded.definition;
    const declared = definition.inputs ?? {};
    const inputSets = [{}, Object.fromEntries(Object.entries(declared).filter(([, s]) => s.enum === undefined).map(([name, s]) => [name, ORDINARY[s.type] ?? "x"]))];
    let templated = 0;
    for (const inputs of inputSets) {
      const { run } = createRun(compilePlan(definition), { runId: "r1", inputs });
      const steps: NonNullable<ExpressionContext["steps"]> = {};
      for (const { step } of allSteps(definition.steps)) steps[step.id] = { status: "succeeded", output: OUTPUTS[step.id] ?? {}, attempt: 1 };
      for (const step of shellSteps(definition.steps)) {
        const context: ExpressionContext = { inputs: run.inputs, variables: run.variables, steps, run: { id: "r1", started_by: "ann" }, attempt: 1, ...(step.item !== undefined ? { item: step.item, index: 0 } : {}) };
        const before = renderValue(step.params, context);
        const now = renderStepParams("shell", step.params, context);
        if (!before.ok || !now.ok) throw new Error(`${file} ${step.id}: ${JSON.stringify(before.ok ? now : before)}`);
        if (now.commandValues) templated++;
        const old = await execute(before.value);
        const fresh = await execute(now.value, now.commandValues);
        expect({ step: step.id, inputs, ...fresh }).toEqual({ step: step.id, inputs, ...old });
        expect(old.result.ok).toBe(true);
      }
    }
    if (file === "hello.yaml") expect(templated).toBe(4);
  });

  it("hello.yaml greets exactly as before", async () => {
    const loaded = loadWorkflow(readFileSync(join(dir, "hello.yaml"), "utf8"), { file: "hello.yaml" });
    if (!loaded.ok) throw new Error("hello.yaml does not load");
    const greet = shellSteps(loaded.definition.steps).find((s) => s.id === "greet");
    const now = renderStepParams("shell", greet?.params ?? {}, { inputs: { who: "world" } });
    if (!now.ok) throw new Error(now.message);
    expect(now.value).toEqual({ command: 'printf \'{"greeting":"hello %s"}\' "${WF_VALUE_0}" > "$WF_OUTPUT"' });
    expect((await execute(now.value, now.commandValues)).result).toEqual({ ok: true, output: { greeting: "hello world" } });
  });
});
