import { describe, expect, it } from "vitest";
import { compilePlan } from "../graph/compile-plan";
import { InMemoryStore } from "../testing/in-memory-store";
import { createHarness, workflow } from "../testing/test-harness";
import { createRun } from "./create-run";
import { decide } from "./decide";
import type { EngineCommand } from "./types";

const sh = (id: string, extra = ""): string => `  - { id: ${id}, type: shell, params: { command: "echo ${id}" }${extra} }`;
const wf = (...steps: string[]): string => `name: t\nsteps:\n${steps.join("\n")}\n`;
const kinds = (cmds: EngineCommand[], kind: EngineCommand["kind"]) => cmds.filter((c) => c.kind === kind);

describe("decide: scenarios on the in-memory store and fake clock", () => {
  it("runs a chain in order and succeeds", async () => {
    //  build ──► test ──► deploy
    // ARRANGE
    const h = createHarness({ build: [{ ok: true, output: { artifact: "app.tar" }, delayMs: 1000 }] });
    const def = workflow(wf(sh("build"), sh("test", ", needs: [build]"), `  - { id: deploy, type: shell, needs: [test], params: { command: "ship {{ steps.build.output.artifact }}" } }`));
    // ACT
    const runId = await h.engine.startRun(def);
    await h.settle();
    // ASSERT
    expect(h.executors.log.map((r) => r.stepId)).toEqual(["build", "test", "deploy"]);
    // A shell command references its values; they travel beside it (rewrite-shell-command.ts).
    expect(h.executors.starts("deploy")[0]).toMatchObject({ params: { command: 'ship "${WF_VALUE_0}"' }, commandValues: ["app.tar"] });
    const run = await h.engine.getRun(runId);
    expect(run?.status).toBe("succeeded");
    expect(run?.counters).toEqual({ remaining: 0, running: 0, failed: 0, waitingApproval: 0 });
  });

  it("skips what a failure blocks and says why the run failed", async () => {
    //  build ──► test ──► deploy
    //        └─► lint
    const h = createHarness({ test: [{ ok: false, error: { message: "exit code 2", exit_code: 2 } }] });
    const runId = await h.engine.startRun(workflow(wf(sh("build"), sh("test", ", needs: [build]"), sh("deploy", ", needs: [test]"), sh("lint", ", needs: [build]"))));
    await h.settle();
    const run = await h.engine.getRun(runId);
    expect(run?.status).toBe("failed");
    expect(run?.reason).toBe('step "test" failed: exit code 2');
    expect(h.store.step(runId, "deploy")).toMatchObject({ status: "skipped", reason: 'upstream "test" failed' });
    expect(h.store.step(runId, "lint")?.status).toBe("succeeded");
  });

  it("lets downstream run past a step with continue_on_failure", async () => {
    //  flaky ──► report
    const h = createHarness({ flaky: [{ ok: false, error: "boom" }] });
    const runId = await h.engine.startRun(workflow(wf(sh("flaky", ", continue_on_failure: true"), sh("report", ", needs: [flaky]"))));
    await h.settle();
    expect(h.store.step(runId, "flaky")?.status).toBe("failed");
    expect(h.store.step(runId, "report")?.status).toBe("succeeded");
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("skips a step whose if is false; skipped satisfies downstream", async () => {
    //  qa ──► review ──► publish
    const h = createHarness({ qa: [{ ok: true, output: { status: "fail" } }] });
    const runId = await h.engine.startRun(
      workflow(wf(sh("qa"), sh("review", `, needs: [qa], if: 'steps.qa.output.status == "pass"'`), sh("publish", ", needs: [review]"))),
    );
    await h.settle();
    expect(h.store.step(runId, "review")?.status).toBe("skipped");
    expect(h.store.step(runId, "publish")?.status).toBe("succeeded");
  });

  it("retries with exponential backoff capped by max_delay, deterministic jitter", async () => {
    //  fetch (fails 3 times, then succeeds)
    const script = { fetch: [{ ok: false as const, error: "e1" }, { ok: false as const, error: "e2" }, { ok: false as const, error: "e3" }, { ok: true as const }] };
    const yaml = wf(`  - id: fetch\n    type: shell\n    params: { command: curl }\n    retries: { max: 3, backoff: exponential, initial: 1s, max_delay: 3s }`);
    const h = createHarness(script);
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    const delays = kinds(h.store.commands(runId), "schedule_retry").map((c) => (c.kind === "schedule_retry" ? c.delayMs : 0));
    expect(delays).toEqual([1000, 2000, 3000]);
    expect(h.executors.starts("fetch").map((s) => s.attempt)).toEqual([1, 2, 3, 4]);
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");

    const jittered = wf(`  - id: fetch\n    type: shell\n    params: { command: curl }\n    retries: { max: 3, backoff: fixed, initial: 10s, jitter: 0.5 }`);
    const runs = await Promise.all([1, 2].map(async () => {
      const hj = createHarness(script);
      const id = await hj.engine.startRun(workflow(jittered));
      await hj.settle();
      return kinds(hj.store.commands(id), "schedule_retry").map((c) => (c.kind === "schedule_retry" ? c.delayMs : 0));
    }));
    expect(runs[0]).toEqual(runs[1]);
    for (const d of runs[0] ?? []) expect(d).toBeGreaterThanOrEqual(5000);
  });

  it("does not retry when retry_if is false", async () => {
    const h = createHarness({ deploy: [{ ok: false, error: { message: "denied", code: "auth" } }] });
    const yaml = wf(`  - id: deploy\n    type: shell\n    params: { command: x }\n    retries: { max: 3, retry_if: 'error.code == "timeout"' }`);
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    expect(h.executors.starts("deploy")).toHaveLength(1);
    expect((await h.engine.getRun(runId))?.status).toBe("failed");
  });

  it("parallel wait_for: any cancels the others once one succeeds", async () => {
    //  race ─┬─► fast ─┐
    //        └─► slow ─┴─► after
    const h = createHarness({ fast: [{ ok: true, output: { who: "fast" }, delayMs: 100 }], slow: [{ ok: true, delayMs: 10_000 }] });
    const yaml = wf(`  - id: race\n    type: parallel\n    wait_for: any\n    steps:\n  ${sh("fast")}\n  ${sh("slow")}`, sh("after", ", needs: [race]"));
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    expect(h.store.step(runId, "slow")?.status).toBe("cancelled");
    expect(kinds(h.store.commands(runId), "cancel_step")).toMatchObject([{ stepId: "slow" }]);
    expect(h.store.step(runId, "race")?.output).toEqual({ fast: { who: "fast" }, slow: null });
    expect(h.store.step(runId, "after")?.status).toBe("succeeded");
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("conditional runs then or else by its condition", async () => {
    //  check ──► route{ then: fix | else: note } ──► done
    const yaml = (flag: boolean): string =>
      `name: t\ninputs:\n  hot: { type: boolean, default: ${flag} }\nsteps:\n${sh("check")}\n  - id: route\n    type: conditional\n    needs: [check]\n    if: inputs.hot\n    then:\n  ${sh("fix")}\n    else:\n  ${sh("note")}\n${sh("done", ", needs: [route]")}\n`;
    for (const flag of [true, false]) {
      const h = createHarness();
      const runId = await h.engine.startRun(workflow(yaml(flag)));
      await h.settle();
      expect(h.store.step(runId, "fix")?.status).toBe(flag ? "succeeded" : "skipped");
      expect(h.store.step(runId, "note")?.status).toBe(flag ? "skipped" : "succeeded");
      expect(h.store.step(runId, "done")?.status).toBe("succeeded");
    }
  });

  it("foreach expands at run time and respects its concurrency", async () => {
    //  list ──► each[0..4] (2 at a time) ──► sum
    const h = createHarness({}, { defaultDelayMs: 1000 });
    const yaml = `name: t\ninputs:\n  services: { type: array, default: [a, b, c, d, e] }\nsteps:\n  - id: each\n    type: foreach\n    items: inputs.services\n    concurrency: 2\n    step: { type: shell, params: { command: "deploy {{ item }} #{{ index }}" } }\n${sh("sum", ", needs: [each]")}\n`;
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    const log = h.executors.log.filter((r) => r.stepId.startsWith("each["));
    expect(log.map((r) => r.params)).toEqual(log.map(() => ({ command: 'deploy "${WF_VALUE_0}" #"${WF_VALUE_1}"' })));
    expect(log.map((r) => r.commandValues)).toEqual(["a", "b", "c", "d", "e"].map((s, i) => [s, String(i)]));
    for (const r of log) {
      const overlapping = log.filter((o) => o.startedAt <= r.startedAt && (o.finishedAt ?? Infinity) > r.startedAt);
      expect(overlapping.length).toBeLessThanOrEqual(2);
    }
    expect(h.store.step(runId, "each")?.output).toHaveLength(5);
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("respects run concurrency", async () => {
    //  a, b, c, d, e (independent), concurrency 2
    const h = createHarness({}, { defaultDelayMs: 500 });
    const runId = await h.engine.startRun(workflow(`name: t\nconcurrency: 2\nsteps:\n${["a", "b", "c", "d", "e"].map((s) => sh(s)).join("\n")}\n`));
    await h.settle();
    const byTime = new Map<number, number>();
    for (const r of h.executors.log) byTime.set(r.startedAt, (byTime.get(r.startedAt) ?? 0) + 1);
    expect(Math.max(...byTime.values())).toBe(2);
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("times out a hanging step, kills it, and fails", async () => {
    const h = createHarness({ stuck: [{ hang: true }] });
    const runId = await h.engine.startRun(workflow(wf(sh("stuck", ", timeout: 5s"))));
    await h.settle();
    expect(h.store.step(runId, "stuck")).toMatchObject({ status: "failed", error: { code: "timeout" } });
    expect(h.executors.log[0]?.aborted).toBe(true);
    expect((await h.engine.getRun(runId))?.reason).toContain("timed out");
  });

  it("waits on a durable timer", async () => {
    const h = createHarness();
    const runId = await h.engine.startRun(workflow(wf(`  - { id: pause, type: wait, params: { duration: 1h30m } }`, sh("go", ", needs: [pause]"))));
    const t0 = h.clock.now();
    await h.settle();
    expect(h.executors.starts("go")[0]?.startedAt).toBe(t0 + 90 * 60_000);
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("pauses and resumes", async () => {
    //  a ──► b
    const h = createHarness({ a: [{ ok: true, delayMs: 100 }] });
    const runId = await h.engine.startRun(workflow(wf(sh("a"), sh("b", ", needs: [a]"))));
    await h.engine.pause(runId);
    await h.settle();
    expect(h.store.step(runId, "b")?.status).toBe("ready");
    expect((await h.engine.getRun(runId))?.status).toBe("paused");
    await h.engine.resume(runId);
    await h.settle();
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("runs a subworkflow and uses its outputs", async () => {
    //  child: make ;  parent: call(child) ──► use
    const child = workflow(`name: child\noutputs: { artifact: "{{ steps.make.output.file }}" }\nsteps:\n${sh("make")}\n`);
    const h = createHarness({ make: [{ ok: true, output: { file: "x.bin" } }] }, { resolveWorkflow: async (name) => (name === "child" ? compilePlan(child) : undefined) });
    const runId = await h.engine.startRun(workflow(wf(`  - { id: call, type: subworkflow, params: { workflow: child } }`, `  - { id: use, type: shell, needs: [call], params: { command: "use {{ steps.call.output.artifact }}" } }`)));
    await h.settle();
    expect(h.executors.starts("use")[0]).toMatchObject({ params: { command: 'use "${WF_VALUE_0}"' }, commandValues: ["x.bin"] });
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });
});

describe("approval gates", () => {
  const gated = wf(
    sh("generate"),
    `  - id: review\n    type: shell\n    needs: [generate]\n    params: { command: review }\n    approval: { approvers: { roles: [lead] }, timeout: 1h, on_timeout: skip }`,
    sh("build", ", needs: [review]"),
  );

  async function atGate(script = {}) {
    //  generate ──► review (gate) ──► build
    const h = createHarness({ review: [{ ok: true, output: { verdict: "ok" } }], ...script });
    const runId = await h.engine.startRun(workflow(gated));
    await h.engine.idle();
    const gate = kinds(h.store.commands(runId), "open_gate")[0];
    if (gate?.kind !== "open_gate") throw new Error("no gate");
    return { h, runId, gate };
  }

  it("holds downstream until approved", async () => {
    const { h, runId, gate } = await atGate();
    expect(h.store.step(runId, "review")?.status).toBe("waiting_approval");
    expect(h.store.step(runId, "build")?.status).toBe("pending");
    expect((await h.engine.getRun(runId))?.status).toBe("waiting_approval");
    expect(gate.output).toEqual({ verdict: "ok" });
    await h.engine.decideGate(runId, { stepId: "review", gateId: gate.gateId, action: "approve", by: "ann" });
    await h.engine.idle();
    expect(h.store.step(runId, "review")?.gate?.status).toBe("approved");
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("modify replaces the output", async () => {
    const { h, runId, gate } = await atGate();
    await h.engine.decideGate(runId, { stepId: "review", gateId: gate.gateId, action: "modify", payload: { verdict: "edited" } });
    await h.engine.idle();
    expect(h.store.step(runId, "review")?.output).toEqual({ verdict: "edited" });
    expect(h.store.step(runId, "build")?.status).toBe("succeeded");
  });

  it("retry runs the step again with new params, then gates again", async () => {
    const { h, runId, gate } = await atGate();
    await h.engine.decideGate(runId, { stepId: "review", gateId: gate.gateId, action: "retry", params: { command: "review --strict" } });
    await h.engine.idle();
    expect(h.executors.starts("review").map((s) => [s.attempt, s.params])).toEqual([[1, { command: "review" }], [2, { command: "review --strict" }]]);
    const gates = kinds(h.store.commands(runId), "open_gate");
    expect(gates).toHaveLength(2);
    expect(h.store.step(runId, "review")?.status).toBe("waiting_approval");
  });

  it("skip skips the step and downstream continues; reject fails the run", async () => {
    const a = await atGate();
    await a.h.engine.decideGate(a.runId, { stepId: "review", gateId: a.gate.gateId, action: "skip" });
    await a.h.engine.idle();
    expect(a.h.store.step(a.runId, "build")?.status).toBe("succeeded");
    const b = await atGate();
    await b.h.engine.decideGate(b.runId, { stepId: "review", gateId: b.gate.gateId, action: "reject", by: "bob", comment: "no tests" });
    await b.h.engine.idle();
    expect((await b.h.engine.getRun(b.runId))?.reason).toBe('step "review" failed: rejected by bob: no tests');
  });

  it("cancel at a gate cancels the run and kills running steps", async () => {
    //  generate ──► review (gate) ──► build ;  side (running)
    const h = createHarness({ side: [{ hang: true }] });
    const runId = await h.engine.startRun(workflow(`${gated}${sh("side")}\n`));
    await h.engine.idle();
    const gate = kinds(h.store.commands(runId), "open_gate")[0];
    if (gate?.kind !== "open_gate") throw new Error("no gate");
    await h.engine.decideGate(runId, { stepId: "review", gateId: gate.gateId, action: "cancel", by: "ann" });
    await h.engine.idle();
    expect(kinds(h.store.commands(runId), "cancel_step")).toMatchObject([{ stepId: "side" }]);
    expect((await h.engine.getRun(runId))?.status).toBe("cancelled");
    expect(h.store.step(runId, "build")?.status).toBe("cancelled");
  });

  it("an expired gate follows on_timeout (never approval)", async () => {
    const { h, runId } = await atGate();
    await h.settle();
    expect(h.store.step(runId, "review")).toMatchObject({ status: "skipped", gate: { status: "expired" } });
  });

  it("a standalone approval step opens a gate when ready; stale decisions are ignored", async () => {
    //  plan ──► signoff (approval) ──► go
    const h = createHarness();
    const runId = await h.engine.startRun(workflow(wf(sh("plan"), `  - { id: signoff, type: approval, needs: [plan] }`, sh("go", ", needs: [signoff]"))));
    await h.engine.idle();
    const gate = kinds(h.store.commands(runId), "open_gate")[0];
    if (gate?.kind !== "open_gate") throw new Error("no gate");
    const stale = await h.engine.decideGate(runId, { stepId: "signoff", gateId: "other", action: "approve" });
    expect(stale.commands).toEqual([]);
    await h.engine.decideGate(runId, { stepId: "signoff", gateId: gate.gateId, action: "approve", by: "ann" });
    await h.engine.idle();
    expect(h.store.step(runId, "signoff")?.output).toMatchObject({ approved: true, by: "ann" });
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });
});

describe("gate forms and next steps' params", () => {
  it("a human stage's form values become its output, for downstream templates", async () => {
    //  signoff (approval, form) ──► ship
    const h = createHarness();
    const def = workflow(
      wf(
        `  - id: signoff\n    type: approval\n    approval:\n      form:\n        - { name: env, type: select, options: [staging, prod], default: staging }\n        - { name: replicas, type: number, required: true }`,
        `  - { id: ship, type: shell, needs: [signoff], params: { command: "deploy {{ steps.signoff.output.env }} x{{ steps.signoff.output.replicas }}" } }`,
      ),
    );
    const runId = await h.engine.startRun(def);
    await h.engine.idle();
    const gate = kinds(h.store.commands(runId), "open_gate")[0];
    if (gate?.kind !== "open_gate") throw new Error("no gate");
    await h.engine.decideGate(runId, { stepId: "signoff", gateId: gate.gateId, action: "approve", by: "ann", payload: { env: "prod", replicas: 3 } });
    await h.engine.idle();
    expect(h.store.step(runId, "signoff")?.output).toEqual({ approved: true, by: "ann", comment: null, env: "prod", replicas: 3 });
    expect(h.executors.starts("ship")[0]).toMatchObject({ params: { command: 'deploy "${WF_VALUE_0}" x"${WF_VALUE_1}"' }, commandValues: ["prod", "3"] });
  });

  it("an approve without values (auto mode) publishes the form's defaults", async () => {
    const h = createHarness();
    const runId = await h.engine.startRun(workflow(wf(`  - id: signoff\n    type: approval\n    approval: { form: [{ name: env, default: staging }, { name: note, type: text }] }`)));
    await h.engine.idle();
    const gate = kinds(h.store.commands(runId), "open_gate")[0];
    if (gate?.kind !== "open_gate") throw new Error("no gate");
    await h.engine.decideGate(runId, { stepId: "signoff", gateId: gate.gateId, action: "approve", by: "auto mode" });
    await h.engine.idle();
    expect(h.store.step(runId, "signoff")?.output).toEqual({ approved: true, by: "auto mode", comment: null, env: "staging" });
  });

  it("modify sets the params of the next steps (and only theirs); the output stays when none is given", async () => {
    //  review (gate) ──► deploy
    //                └─► notify
    //  other
    const h = createHarness({ review: [{ ok: true, output: { verdict: "ok" } }] });
    const runId = await h.engine.startRun(
      workflow(
        wf(
          `  - id: review\n    type: shell\n    params: { command: review }\n    approval: {}`,
          sh("deploy", ", needs: [review]"),
          sh("notify", ", needs: [review]"),
          sh("other"),
        ),
      ),
    );
    await h.engine.idle();
    const gate = kinds(h.store.commands(runId), "open_gate")[0];
    if (gate?.kind !== "open_gate") throw new Error("no gate");
    await h.engine.decideGate(runId, {
      stepId: "review",
      gateId: gate.gateId,
      action: "modify",
      nextParams: { deploy: { command: "deploy --canary {{ steps.review.output.verdict }}" }, other: { command: "hijack" } },
    });
    await h.engine.idle();
    expect(h.store.step(runId, "review")?.output).toEqual({ verdict: "ok" });
    expect(h.executors.starts("deploy")[0]).toMatchObject({ params: { command: 'deploy --canary "${WF_VALUE_0}"' }, commandValues: ["ok"] });
    expect(h.executors.starts("notify")[0]?.params).toEqual({ command: "echo notify" });
    expect(h.executors.starts("other")[0]?.params).toEqual({ command: "echo other" });
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });
});

describe("decide is pure", () => {
  it("never mutates its input and ignores stale events", () => {
    //  a ──► b
    const plan = compilePlan(workflow(wf(sh("a"), sh("b", ", needs: [a]"))));
    const store = new InMemoryStore();
    const { run, steps } = createRun(plan, { runId: "r" });
    void store.createRun(run, steps);
    const started = decide(plan, store.state("r"), { type: "run_started", at: 1 });
    store.applySync("r", started.patch, started.commands);
    const state = store.state("r");
    const before = JSON.stringify({ run: state.run, steps: [...store.runs.get("r")!.steps] });
    const d = decide(plan, state, { type: "step_succeeded", stepId: "a", attempt: 1, output: { x: 1 }, at: 2 });
    expect(JSON.stringify({ run: state.run, steps: [...store.runs.get("r")!.steps] })).toBe(before);
    expect(d.patch.steps.map((s) => [s.id, s.status])).toEqual([["a", "succeeded"], ["b", "running"]]);
    expect(d.patch.counters).toEqual({ remaining: -1, running: 0, failed: 0, waitingApproval: 0 });
    const stale = decide(plan, state, { type: "step_succeeded", stepId: "a", attempt: 7, output: null, at: 3 });
    expect(stale).toEqual({ patch: { run: {}, counters: { remaining: 0, running: 0, failed: 0, waitingApproval: 0 }, steps: [] }, commands: [] });
  });
});

describe("run retry (run_retry_requested)", () => {
  const starts = (h: ReturnType<typeof createHarness>) => h.executors.log.map((r) => `${r.stepId}#${r.attempt}`);

  it("re-runs the failed step and what it blocked; succeeded steps are not re-run", async () => {
    //  a ──► b (fails once) ──► c
    // ARRANGE
    const h = createHarness({ b: [{ ok: false, error: "exit code 1" }, { ok: true, output: { fixed: true } }] });
    const runId = await h.engine.startRun(workflow(wf(sh("a"), sh("b", ", needs: [a]"), sh("c", ", needs: [b]"))));
    await h.settle();
    expect(await h.engine.getRun(runId)).toMatchObject({ status: "failed", reason: 'step "b" failed: exit code 1', failure: { stepId: "b" } });
    expect(h.store.step(runId, "c")).toMatchObject({ status: "skipped", blockedBy: "b" });
    // ACT
    const decision = await h.engine.retry(runId, "ann");
    await h.settle();
    // ASSERT
    expect(decision.patch.clear).toEqual(["reason", "failure", "finishedAt"]);
    expect(decision.patch.run.status).toBe("running");
    expect(decision.patch.counters).toEqual({ remaining: 2, running: 1, failed: -1, waitingApproval: 0 });
    expect(kinds(decision.commands, "start_step")).toMatchObject([{ stepId: "b", attempt: 2, idempotencyKey: `${runId}:b:2` }]);
    expect(starts(h)).toEqual(["a#1", "b#1", "b#2", "c#1"]);
    const run = await h.engine.getRun(runId);
    expect(run).toMatchObject({ status: "succeeded", reason: "all steps finished", counters: { remaining: 0, running: 0, failed: 0, waitingApproval: 0 } });
    expect(run?.failure).toBeUndefined();
    expect(h.store.step(runId, "b")).toMatchObject({ status: "succeeded", attempt: 2, output: { fixed: true } });
    expect(h.store.step(runId, "b")?.error).toBeUndefined();
    expect(h.store.step(runId, "c")?.blockedBy).toBeUndefined();
  });

  it("fan-out: only the failed branch and the join re-run", async () => {
    //  src ──► fan ─┬─► left (fails once) ─┬─► fan (join)
    //               └─► right ─────────────┘
    // ARRANGE
    const h = createHarness({ left: [{ ok: false, error: "flake" }, { ok: true, output: { side: "L" } }], right: [{ ok: true, output: { side: "R" } }] });
    const yaml = wf(sh("src"), `  - id: fan\n    type: parallel\n    needs: [src]\n    steps:\n  ${sh("left")}\n  ${sh("right")}`);
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    expect((await h.engine.getRun(runId))?.status).toBe("failed");
    expect(h.store.step(runId, "fan")).toMatchObject({ status: "skipped", blockedBy: "left" });
    // ACT
    await h.engine.retry(runId);
    await h.settle();
    // ASSERT
    expect(starts(h)).toEqual(["src#1", "left#1", "right#1", "left#2"]);
    expect(h.store.step(runId, "fan")).toMatchObject({ status: "succeeded", output: { left: { side: "L" }, right: { side: "R" } } });
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("does nothing on a running or succeeded run (like pause on a finished run)", async () => {
    //  slow ;  then a ──► b
    // ARRANGE
    const h = createHarness({ slow: [{ ok: true, delayMs: 1000 }] });
    const running = await h.engine.startRun(workflow(wf(sh("slow"))));
    const done = await h.engine.startRun(workflow(wf(sh("a"), sh("b", ", needs: [a]"))));
    await h.engine.idle();
    const empty = { patch: { run: {}, counters: { remaining: 0, running: 0, failed: 0, waitingApproval: 0 }, steps: [] }, commands: [] };
    // ACT / ASSERT
    expect((await h.engine.getRun(running))?.status).toBe("running");
    expect(await h.engine.retry(running)).toEqual(empty);
    expect((await h.engine.getRun(done))?.status).toBe("succeeded");
    expect(await h.engine.retry(done)).toEqual(empty);
    await h.settle();
    expect(starts(h)).toEqual(["slow#1", "a#1", "b#1"]);
    expect((await h.engine.getRun(running))?.status).toBe("succeeded");
  });

  it("a step skipped by a false if stays skipped", async () => {
    //  a ──► gated (if: false)
    //    └─► c (fails once)
    // ARRANGE
    const h = createHarness({ c: [{ ok: false, error: "boom" }, { ok: true }] });
    const runId = await h.engine.startRun(workflow(wf(sh("a"), sh("gated", ", needs: [a], if: 'false'"), sh("c", ", needs: [a]"))));
    await h.settle();
    expect(h.store.step(runId, "gated")).toMatchObject({ status: "skipped", reason: "condition is false: false" });
    // ACT
    await h.engine.retry(runId);
    await h.settle();
    // ASSERT
    expect(h.store.step(runId, "gated")).toMatchObject({ status: "skipped", reason: "condition is false: false" });
    expect(starts(h)).toEqual(["a#1", "c#1", "c#2"]);
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("a cancelled run resumes: cancelled steps start again with the next attempt", async () => {
    //  a ──► b (hangs, cancelled) ──► c
    // ARRANGE
    const h = createHarness({ b: [{ hang: true }, { ok: true }] });
    const runId = await h.engine.startRun(workflow(wf(sh("a"), sh("b", ", needs: [a]"), sh("c", ", needs: [b]"))));
    await h.engine.idle();
    await h.engine.cancel(runId, "bob");
    await h.settle();
    expect(await h.engine.getRun(runId)).toMatchObject({ status: "cancelled", reason: "cancelled by bob" });
    expect(h.store.step(runId, "c")?.status).toBe("cancelled");
    // ACT
    await h.engine.retry(runId, "bob");
    await h.settle();
    // ASSERT
    expect(starts(h)).toEqual(["a#1", "b#1", "b#2", "c#1"]);
    expect(h.executors.starts("b")[0]?.aborted).toBe(true);
    expect(await h.engine.getRun(runId)).toMatchObject({ status: "succeeded", reason: "all steps finished", counters: { remaining: 0, running: 0, failed: 0, waitingApproval: 0 } });
  });

  it("respects run concurrency when restarting several steps", async () => {
    //  a, b, c, d (independent, all fail once), concurrency 2
    // ARRANGE
    const fail = [{ ok: false as const, error: "x", delayMs: 100 }, { ok: true as const, delayMs: 100 }];
    const h = createHarness({ a: fail, b: fail, c: fail, d: fail });
    const runId = await h.engine.startRun(workflow(`name: t\nconcurrency: 2\nsteps:\n${["a", "b", "c", "d"].map((s) => sh(s)).join("\n")}\n`));
    await h.settle();
    // ACT
    const decision = await h.engine.retry(runId);
    await h.settle();
    // ASSERT
    expect(kinds(decision.commands, "start_step")).toHaveLength(2);
    const retried = h.executors.log.filter((r) => r.attempt === 2);
    expect(retried).toHaveLength(4);
    for (const r of retried) expect(retried.filter((o) => o.startedAt <= r.startedAt && (o.finishedAt ?? Infinity) > r.startedAt).length).toBeLessThanOrEqual(2);
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("resumes a foreach: the failed item runs again, succeeded items keep their output", async () => {
    //  each[0..3] (concurrency 2; each[1] fails once) ──► sum
    // ARRANGE
    const h = createHarness({ "each[1]": [{ ok: false, error: "bad item", delayMs: 10 }, { ok: true, output: { i: 1 } }] }, { defaultDelayMs: 20 });
    const yaml = `name: t\nsteps:\n  - id: each\n    type: foreach\n    items: "[0, 1, 2, 3]"\n    concurrency: 2\n    step: { type: shell, params: { command: "n {{ item }}" } }\n${sh("sum", ", needs: [each]")}\n`;
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    expect(h.store.step(runId, "each")).toMatchObject({ status: "failed", failedChild: "each[1]" });
    expect(h.store.step(runId, "each[2]")).toBeUndefined();
    // ACT
    await h.engine.retry(runId);
    await h.settle();
    // ASSERT
    expect(starts(h)).toEqual(["each[0]#1", "each[1]#1", "each[1]#2", "each[2]#1", "each[3]#1", "sum#1"]);
    expect(h.store.step(runId, "each")).toMatchObject({ status: "succeeded", attempt: 1, output: [{}, { i: 1 }, {}, {}] });
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("keeps the loser of a wait_for: any race cancelled", async () => {
    //  race ─┬─► fast ─┐
    //        └─► slow ─┴─► race (join) ;  boom (fails once)
    // ARRANGE
    const h = createHarness({ fast: [{ ok: true, delayMs: 10 }], slow: [{ ok: true, delayMs: 1000 }], boom: [{ ok: false, error: "x", delayMs: 50 }, { ok: true }] });
    const yaml = wf(`  - id: race\n    type: parallel\n    wait_for: any\n    steps:\n  ${sh("fast")}\n  ${sh("slow")}`, sh("boom"));
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    expect(h.store.step(runId, "slow")?.status).toBe("cancelled");
    // ACT
    await h.engine.retry(runId);
    await h.settle();
    // ASSERT
    expect(h.executors.starts("slow")).toHaveLength(1);
    expect(h.executors.starts("boom").map((s) => s.attempt)).toEqual([1, 2]);
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });

  it("a failure blocks the whole downstream chain, and a retry re-runs all of it", async () => {
    //  a (fails once) ──► b (skipped: blocked) ──► each[0] (skipped: blocked, never ran)
    // ARRANGE
    const h = createHarness({ a: [{ ok: false, error: "x" }, { ok: true, output: {} }] });
    const yaml = `name: t\nsteps:\n${sh("a")}\n${sh("b", ", needs: [a]")}\n  - id: each\n    type: foreach\n    needs: [b]\n    items: "[1]"\n    step: { type: shell, params: { command: x } }\n`;
    const runId = await h.engine.startRun(workflow(yaml));
    await h.settle();
    expect(h.store.step(runId, "b")?.status).toBe("skipped");
    expect(h.store.step(runId, "each")).toMatchObject({ status: "skipped", reason: 'upstream "a" failed' });
    expect(h.executors.starts("each[0]")).toHaveLength(0);
    // ACT
    await h.engine.retry(runId);
    await h.settle();
    // ASSERT
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
    expect(h.executors.starts("a").map((s) => s.attempt)).toEqual([1, 2]);
    expect(h.executors.starts("each[0]")).toHaveLength(1);
  });

  it("is pure, and needs RunState.stepsWithStatus", () => {
    //  a (failed) ──► b (skipped)
    // ARRANGE
    const plan = compilePlan(workflow(wf(sh("a"), sh("b", ", needs: [a]"))));
    const store = new InMemoryStore();
    const { run, steps } = createRun(plan, { runId: "r" });
    void store.createRun(run, steps);
    for (const event of [
      { type: "run_started", at: 1 },
      { type: "step_failed", stepId: "a", attempt: 1, error: { message: "no" }, at: 2 },
    ] as const) {
      const d = decide(plan, store.state("r"), event);
      store.applySync("r", d.patch, d.commands);
    }
    const state = store.state("r");
    const before = JSON.stringify({ run: state.run, steps: [...store.runs.get("r")!.steps] });
    // ACT
    const d = decide(plan, state, { type: "run_retry_requested", by: "ann", at: 3 });
    // ASSERT
    expect(JSON.stringify({ run: state.run, steps: [...store.runs.get("r")!.steps] })).toBe(before);
    expect(d.patch.steps.map((s) => [s.id, s.status, s.attempt, s.unsatisfied])).toEqual([["a", "running", 2, 0], ["b", "pending", 0, 1]]);
    expect(d.patch.counters).toEqual({ remaining: 2, running: 1, failed: -1, waitingApproval: 0 });
    const { stepsWithStatus: _unused, ...withoutIndex } = state;
    expect(() => decide(plan, withoutIndex, { type: "run_retry_requested", at: 3 })).toThrow(expect.objectContaining({ code: "internal" }));
  });
});
