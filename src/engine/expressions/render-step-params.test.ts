import { describe, expect, it } from "vitest";
import { createHarness, workflow } from "../testing/test-harness";
import { renderStepParams } from "./render-step-params";

describe("renderStepParams", () => {
  it("a shell command is rewritten and its values travel beside it; other params are interpolated", () => {
    const r = renderStepParams("shell", { command: "deploy {{ inputs.svc }}", env: { SVC: "{{ inputs.svc }}" }, cwd: "src/{{ inputs.dir }}" }, { inputs: { svc: "$(id)", dir: "app" } });
    expect(r).toEqual({ ok: true, value: { command: 'deploy "${WF_VALUE_0}"', env: { SVC: "$(id)" }, cwd: "src/app" }, secrets: [], commandValues: ["$(id)"] });
  });

  it("argv stays exact: one element per value, whatever it holds; non-strings become their text", () => {
    const r = renderStepParams("shell", { argv: ["printf", "%s", "{{ inputs.x }}", "{{ inputs.n }}", "{{ inputs.o }}"], env: { N: "{{ inputs.n }}" } }, { inputs: { x: "a b; $(id) '\"*", n: 5, o: { a: [1] } } });
    expect(r).toEqual({ ok: true, value: { argv: ["printf", "%s", "a b; $(id) '\"*", "5", '{"a":[1]}'], env: { N: "5" } }, secrets: [] });
  });

  it("other step types are interpolated as before (an http body keeps the value's type)", () => {
    expect(renderStepParams("http", { url: "https://x.example/{{ inputs.p }}", body: "{{ inputs.o }}" }, { inputs: { p: "a b", o: { a: 1 } } })).toEqual({
      ok: true,
      value: { url: "https://x.example/a b", body: { a: 1 } },
      secrets: [],
    });
  });

  it("an expression error names the template", () => {
    expect(renderStepParams("shell", { command: "echo {{ 1 + }}" }, {})).toMatchObject({ ok: false, code: "expression", message: expect.stringContaining('in "echo {{ 1 + }}"') });
  });
});

describe("a refused command that reaches a start (params set at a gate) fails its step, saying where", () => {
  it("modify with a command whose value would sit in $(( )) fails deploy with invalid_params and line:col", async () => {
    //  review (gate) ──► deploy
    const h = createHarness({ review: [{ ok: true, output: { n: "1" } }] });
    const runId = await h.engine.startRun(
      workflow(`name: t\nsteps:\n  - id: review\n    type: shell\n    params: { command: review }\n    approval: {}\n  - { id: deploy, type: shell, needs: [review], params: { command: "echo deploy" } }\n`),
    );
    await h.engine.idle();
    const gate = h.store.commands(runId).find((c) => c.kind === "open_gate");
    if (gate?.kind !== "open_gate") throw new Error("no gate");
    await h.engine.decideGate(runId, { stepId: "review", gateId: gate.gateId, action: "modify", nextParams: { deploy: { command: "echo ok\necho $(( {{ steps.review.output.n }} + 1 ))" } } });
    await h.engine.idle();
    expect(h.executors.starts("deploy")).toEqual([]);
    expect(h.store.step(runId, "deploy")).toMatchObject({
      status: "failed",
      error: { code: "invalid_params", message: expect.stringMatching(/^params\.command: a value cannot be used inside \$\(\( \)\).* \(at line 2, column 10 of the command\)$/) },
    });
  });
});
