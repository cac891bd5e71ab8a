import { describe, expect, it } from "vitest";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import { changedLines } from "~/features/shared/line-diff";
import { applyOp, freshStepId, stepIds, type DocOp } from "./yaml-doc";

function apply(text: string, ...ops: DocOp[]): string {
  let out = text;
  for (const op of ops) {
    const r = applyOp(out, op);
    if (!r.ok) throw new Error(r.error);
    out = r.text;
  }
  return out;
}

//   build ──► test ──► deploy
//         └─► lint
const COMMENTED = `# yaml-language-server: $schema=/schema/workflow.json
# Release pipeline: keep these comments.
name: release   # the workflow's name
description: Build, test and ship

inputs:
  service: { type: string, default: api }   # flow style stays flow

steps:
  # Compile first.
  - id: build
    type: shell
    params:
      command: make build SERVICE={{ inputs.service }}

  - id: test          # unit tests
    type: shell
    needs: [build]
    params:
      command: make test

  - id: lint
    needs:
      - build   # block list
    type: shell
    params: { command: make lint }

  # Ship it.
  - id: deploy
    type: shell
    needs: [test]
    if: steps.test.status == "succeeded"
    params:
      command: echo deploying {{ steps.test.output.version }}
`;

describe("canvas edits touch only their lines", () => {
  it("renaming a step and adding an edge changes exactly those lines of a commented file", () => {
    // ACT: rename test -> unit_tests (its id, the needs naming it, the expressions reading it),
    // then draw an edge lint -> deploy.
    const after = apply(COMMENTED, { kind: "renameStep", from: "test", to: "unit_tests" }, { kind: "addEdge", from: "lint", to: "deploy" });

    // ASSERT: the text diff is exactly these lines; every comment, blank line and key order survives.
    expect(changedLines(COMMENTED, after)).toEqual([
      "-  - id: test          # unit tests",
      "+  - id: unit_tests          # unit tests",
      "-    needs: [test]",
      "-    if: steps.test.status == \"succeeded\"",
      "+    needs: [unit_tests, lint]",
      "+    if: steps.unit_tests.status == \"succeeded\"",
      "-      command: echo deploying {{ steps.test.output.version }}",
      "+      command: echo deploying {{ steps.unit_tests.output.version }}",
    ]);
    expect(loadWorkflow(after).ok).toBe(true);
  });

  it("adds an edge to a block list of needs as one new line at the list's indentation", () => {
    const after = apply(COMMENTED, { kind: "addEdge", from: "test", to: "lint" });
    expect(changedLines(COMMENTED, after)).toEqual(["+      - test"]);
  });

  it("adds `needs` after `type` when the step has none", () => {
    const after = apply(COMMENTED, { kind: "addEdge", from: "lint", to: "build" });
    expect(changedLines(COMMENTED, after)).toEqual(["+    needs: [lint]"]);
  });

  it("removes an edge from a flow list, a block list, and drops the last one's `needs` line", () => {
    const twoNeeds = apply(COMMENTED, { kind: "addEdge", from: "lint", to: "deploy" });
    expect(changedLines(twoNeeds, apply(twoNeeds, { kind: "removeEdge", from: "test", to: "deploy" }))).toEqual([
      "-    needs: [test, lint]",
      "+    needs: [lint]",
    ]);
    expect(changedLines(COMMENTED, apply(COMMENTED, { kind: "removeEdge", from: "build", to: "lint" }))).toEqual([
      "-    needs:",
      "-      - build   # block list",
    ]);
    expect(changedLines(COMMENTED, apply(COMMENTED, { kind: "removeEdge", from: "build", to: "test" }))).toEqual(["-    needs: [build]"]);
  });

  it("adding an edge twice is a no-op; a self edge is refused", () => {
    expect(apply(COMMENTED, { kind: "addEdge", from: "build", to: "test" })).toBe(COMMENTED);
    expect(applyOp(COMMENTED, { kind: "addEdge", from: "test", to: "test" }).ok).toBe(false);
  });

  it("appends a step after the last one, at the list's indentation, leaving the rest alone", () => {
    const after = apply(COMMENTED, { kind: "addStep", step: { id: "notify", type: "shell", needs: ["deploy"], params: { command: "echo done" } } });
    expect(changedLines(COMMENTED, after)).toEqual([
      "+  - id: notify",
      "+    type: shell",
      "+    needs:",
      "+      - deploy",
      "+    params:",
      "+      command: echo done",
    ]);
    expect(after.startsWith(COMMENTED)).toBe(true);
    expect(loadWorkflow(after).ok).toBe(true);
  });

  it("removes a step and every need on it", () => {
    const after = apply(COMMENTED, { kind: "removeStep", id: "lint" });
    expect(changedLines(COMMENTED, after)).toEqual([
      "-  - id: lint",
      "-    needs:",
      "-      - build   # block list",
      "-    type: shell",
      "-    params: { command: make lint }",
    ]);
    // A comment right above a step goes with it; the blank line before it stays.
    expect(changedLines(COMMENTED, apply(COMMENTED, { kind: "removeStep", id: "deploy" }))).toEqual([
      "-  # Ship it.",
      "-  - id: deploy",
      "-    type: shell",
      "-    needs: [test]",
      '-    if: steps.test.status == "succeeded"',
      "-    params:",
      "-      command: echo deploying {{ steps.test.output.version }}",
    ]);
    const nested = "name: n\nsteps:\n  - id: a\n    type: noop\n    # retries: 3\n  - id: b\n    type: noop\n";
    expect(apply(nested, { kind: "removeStep", id: "b" })).toBe("name: n\nsteps:\n  - id: a\n    type: noop\n    # retries: 3\n");
    const noTest = apply(COMMENTED, { kind: "removeStep", id: "build" });
    expect(noTest).not.toMatch(/needs: \[build\]/);
    expect(stepIds(noTest)).toEqual(["test", "lint", "deploy"]);
  });

  it("sets, changes and removes a field keeping the quoting and the neighbours", () => {
    const timeout = apply(COMMENTED, { kind: "setStepField", id: "build", path: ["timeout"], value: "5m" });
    expect(changedLines(COMMENTED, timeout)).toEqual(["+    timeout: 5m"]);
    const cmd = apply(COMMENTED, { kind: "setStepField", id: "test", path: ["params", "command"], value: "make test-all" });
    expect(changedLines(COMMENTED, cmd)).toEqual(["-      command: make test", "+      command: make test-all"]);
    const inFlow = apply(COMMENTED, { kind: "setStepField", id: "lint", path: ["params", "command"], value: "make lint, fast" });
    expect(changedLines(COMMENTED, inFlow)).toEqual(["-    params: { command: make lint }", '+    params: { command: "make lint, fast" }']);
    const quoted = apply(COMMENTED, { kind: "setStepField", id: "deploy", path: ["if"], value: 'steps.test.status != "failed"' });
    expect(changedLines(COMMENTED, quoted)).toEqual(['-    if: steps.test.status == "succeeded"', '+    if: steps.test.status != "failed"']);
    const removed = apply(COMMENTED, { kind: "setStepField", id: "deploy", path: ["if"], value: undefined });
    expect(changedLines(COMMENTED, removed)).toEqual(['-    if: steps.test.status == "succeeded"']);
    const env = apply(COMMENTED, { kind: "setStepField", id: "build", path: ["params", "env"], value: { CI: "1" } });
    expect(changedLines(COMMENTED, env)).toEqual(['+      env: { CI: "1" }']);
  });

  it("writes a multi-line command as a literal block and reads back the same string", () => {
    const after = apply(COMMENTED, { kind: "setStepField", id: "test", path: ["params", "command"], value: "make test\nmake e2e" });
    expect(changedLines(COMMENTED, after)).toEqual(["-      command: make test", "+      command: |-", "+        make test", "+        make e2e"]);
    const r = loadWorkflow(after);
    expect(r.ok && r.definition.steps[1]?.type === "shell" ? r.definition.steps[1].params.command : undefined).toBe("make test\nmake e2e");
  });

  it("sets a root field (the workflow's description) in place", () => {
    const after = apply(COMMENTED, { kind: "setRootField", path: ["description"], value: "Ship it" });
    expect(changedLines(COMMENTED, after)).toEqual(["-description: Build, test and ship", "+description: Ship it"]);
  });
});

describe("documents being built from scratch", () => {
  it("turns `steps: []` into a block list and builds a fork/join graph", () => {
    //   build ──► unit ──► ship
    //         └─► lint ──┘
    let text = "name: scratch\nsteps: []\n";
    text = apply(
      text,
      { kind: "addStep", step: { id: "build", type: "shell", params: { command: "echo build" } } },
      { kind: "addStep", step: { id: "unit", type: "shell", params: { command: "echo unit" } } },
      { kind: "addStep", step: { id: "lint", type: "shell", params: { command: "echo lint" } } },
      { kind: "addStep", step: { id: "ship", type: "noop" } },
      { kind: "addEdge", from: "build", to: "unit" },
      { kind: "addEdge", from: "build", to: "lint" },
      { kind: "addEdge", from: "unit", to: "ship" },
      { kind: "addEdge", from: "lint", to: "ship" },
    );
    const r = loadWorkflow(text);
    expect(r.errors).toEqual([]);
    expect(r.ok && r.definition.steps.map((s) => [s.id, s.needs ?? []])).toEqual([
      ["build", []],
      ["unit", ["build"]],
      ["lint", ["build"]],
      ["ship", ["unit", "lint"]],
    ]);
    // and removing the only step of a list leaves `steps: []`
    expect(apply("name: one\nsteps:\n  - id: a\n    type: noop\n", { kind: "removeStep", id: "a" })).toBe("name: one\nsteps: []\n");
  });

  it("adds a step into a parallel container and a conditional's else branch", () => {
    const text = `name: nest
steps:
  - id: checks
    type: parallel
    steps:
      - { id: unit, type: noop }
  - id: pick
    type: conditional
    if: "true"
    then:
      - id: yes
        type: noop
`;
    const after = apply(text, { kind: "addStep", step: { id: "lint", type: "noop" }, parent: { id: "checks", branch: "steps" } }, { kind: "addStep", step: { id: "no", type: "noop" }, parent: { id: "pick", branch: "else" } });
    expect(after).toBe(text.replace("      - { id: unit, type: noop }\n", "      - { id: unit, type: noop }\n      - id: lint\n        type: noop\n") + "    else:\n      - id: no\n        type: noop\n");
    expect(loadWorkflow(after).errors).toEqual([]);
  });

  it("refuses edits on YAML that does not parse, and duplicate ids", () => {
    expect(applyOp("name: [\n", { kind: "addStep", step: { id: "a", type: "noop" } })).toMatchObject({ ok: false });
    expect(applyOp(COMMENTED, { kind: "renameStep", from: "test", to: "build" })).toMatchObject({ ok: false, error: 'a step "build" exists already' });
    expect(applyOp(COMMENTED, { kind: "addStep", step: { id: "lint", type: "noop" } })).toMatchObject({ ok: false });
  });

  it("finds a fresh id per type", () => {
    expect(freshStepId("shell", ["shell_1", "shell_2", "x"])).toBe("shell_3");
  });
});
