import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { NODE_W } from "./auto-layout";
import { addTargets, outermostKeys, parentOf, planAddStep, renamePosition } from "./edit-plans";
import { readGraph } from "./read-graph";

//   build ──► checks[ unit | lint ] ──► pick{ then: ship / else: stop }
const graph = readGraph(
  parse(`name: nested
steps:
  - { id: build, type: shell, params: { command: make } }
  - id: checks
    type: parallel
    needs: [build]
    steps:
      - { id: unit, type: noop }
      - { id: lint, type: noop }
  - id: pick
    type: conditional
    needs: [checks]
    if: "true"
    then: [{ id: ship, type: noop }]
    else: [{ id: stop, type: noop }]
`),
);
const at = { build: { x: 0, y: 0 }, checks: { x: 300, y: 0 }, pick: { x: 700, y: 40 }, unit: { x: 10, y: 50 } };

describe("addTargets", () => {
  it("offers each parallel's steps and each conditional's then and else", () => {
    expect(addTargets(graph)).toEqual([
      { value: "checks|steps", label: "checks (parallel)" },
      { value: "pick|then", label: "pick then" },
      { value: "pick|else", label: "pick else" },
    ]);
    expect(parentOf(graph, "pick|else")).toEqual({ id: "pick", branch: "else" });
    expect(parentOf(graph, "")).toBeUndefined();
    expect(parentOf(graph, "gone|steps")).toBeUndefined();
  });
});

describe("planAddStep", () => {
  it("gives a fresh id and puts a top-level step where it was dropped", () => {
    const plan = planAddStep(graph, at, "shell", { addTo: "", selected: null, at: { x: 5, y: 6 } });
    expect(plan).toEqual({ step: { id: "shell_1", type: "shell", params: { command: "echo shell_1" } }, position: { x: 5, y: 6 } });
  });

  it("places it right of the selected top-level step, else after the rightmost one", () => {
    expect(planAddStep(graph, at, "noop", { addTo: "", selected: "checks" }).position).toEqual({ x: 300 + NODE_W + 56, y: 24 });
    // A selected child does not count: the container lays out its children.
    expect(planAddStep(graph, at, "noop", { addTo: "", selected: "unit" }).position).toEqual({ x: 700 + NODE_W + 56, y: 16 });
    expect(planAddStep(graph, at, "noop", { addTo: "", selected: null }).position).toEqual({ x: 700 + NODE_W + 56, y: 16 });
  });

  it("places the first step of an empty workflow at the left", () => {
    expect(planAddStep(readGraph(parse("name: empty\nsteps: []\n")), {}, "noop", { addTo: "", selected: null }).position).toEqual({ x: 0, y: 16 });
  });

  it("adds into a container without a position, its children with fresh ids too", () => {
    const plan = planAddStep(graph, at, "parallel", { addTo: "pick|then", selected: "build" });
    expect(plan).toEqual({ step: { id: "parallel_1", type: "parallel", steps: [{ id: "parallel_1_a", type: "noop" }] }, parent: { id: "pick", branch: "then" } });
  });

  it("never reuses a taken id for a child", () => {
    const taken = readGraph(parse("name: t\nsteps:\n  - { id: parallel_1_a, type: noop }\n"));
    const plan = planAddStep(taken, {}, "parallel", { addTo: "", selected: null });
    expect(plan.step).toEqual({ id: "parallel_1", type: "parallel", steps: [{ id: "parallel_1_a2", type: "noop" }] });
  });
});

describe("outermostKeys", () => {
  it("leaves out the steps inside a container that is deleted too", () => {
    expect(outermostKeys(graph, ["checks", "unit", "lint", "ship"])).toEqual(["checks", "ship"]);
    expect(outermostKeys(graph, ["unit", "stop"])).toEqual(["unit", "stop"]);
  });
});

describe("renamePosition", () => {
  it("moves the point to the new id, and changes nothing for a step without one", () => {
    expect(renamePosition({ a: { x: 1, y: 2 }, b: { x: 3, y: 4 } }, "a", "c")).toEqual({ b: { x: 3, y: 4 }, c: { x: 1, y: 2 } });
    expect(renamePosition({ b: { x: 3, y: 4 } }, "a", "c")).toEqual({ b: { x: 3, y: 4 } });
  });
});
