import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import { autoLayout, containerSizes, NODE_W } from "./auto-layout";
import { definitionToFlow } from "./definition-to-flow";
import { mapIssues, readGraph } from "./read-graph";

//   build ──► checks[ unit | lint ] ──► pick{ then: ship / else: stop }
const NESTED = `name: nested
steps:
  - id: build
    type: shell
    params: { command: make }
  - id: checks
    type: parallel
    needs: [build]
    steps:
      - { id: unit, type: noop }
      - { id: lint, type: noop }
  - id: pick
    type: conditional
    needs: [checks]
    if: steps.checks.status == "succeeded"
    then:
      - { id: ship, type: noop }
    else:
      - { id: stop, type: noop }
`;

describe("YAML to canvas", () => {
  it("draws containers with their children inside, needs as edges, then/else as branches", () => {
    const graph = readGraph(parse(NESTED));
    expect(graph.steps.map((s) => [s.key, s.parent ?? "", s.branch ?? ""])).toEqual([
      ["build", "", ""],
      ["checks", "", ""],
      ["unit", "checks", "steps"],
      ["lint", "checks", "steps"],
      ["pick", "", ""],
      ["ship", "pick", "then"],
      ["stop", "pick", "else"],
    ]);
    expect(graph.edges.map((e) => e.id)).toEqual(["build->checks", "checks->pick"]);

    const positions = autoLayout(graph);
    const { nodes, edges } = definitionToFlow(graph, positions);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect(byId.get("unit")?.parentId).toBe("checks");
    expect(byId.get("checks")?.type).toBe("group");
    expect(byId.get("build")?.ariaLabel).toBe("Step build");
    // Containers are sized around their children and laid out left to right after their needs.
    expect(byId.get("checks")?.width).toBeGreaterThan(NODE_W);
    expect((positions.checks?.x ?? 0)).toBeGreaterThan(positions.build?.x ?? 0);
    expect((positions.pick?.x ?? 0)).toBeGreaterThan(positions.checks?.x ?? 0);
    expect(edges.map((e) => e.ariaLabel)).toEqual(["Edge from build to checks", "Edge from checks to pick"]);
  });

  it("keeps manual positions and lays out only the new steps", () => {
    const graph = readGraph(parse(NESTED));
    const kept = autoLayout(graph, { build: { x: 500, y: 700 } });
    expect(kept.build).toEqual({ x: 500, y: 700 });
    const all = autoLayout(graph, { build: { x: 500, y: 700 } }, true);
    expect(all.build).not.toEqual({ x: 500, y: 700 });
    // a child moved inside its container grows the container
    const moved = { ...all, unit: { x: 400, y: 300 } };
    expect(containerSizes(graph, moved).get("checks")?.height).toBeGreaterThan(containerSizes(graph, all).get("checks")?.height ?? 0);
  });

  it("puts the engine's errors on their step and field, and marks a cycle along its path", () => {
    //   a ──► b ──► c ──► a   (a cycle), d needs a missing step
    const yaml = `name: cyc
steps:
  - { id: a, type: noop, needs: [c] }
  - { id: b, type: noop, needs: [a] }
  - { id: c, type: noop, needs: [b] }
  - { id: d, type: shell, needs: [nope], params: { command: "" } }
`;
    const result = loadWorkflow(yaml);
    expect(result.ok).toBe(false);
    const graph = readGraph(parse(yaml));
    const issues = mapIssues(graph, result.errors);
    expect([...issues.cycleNodes].sort()).toEqual(["a", "b", "c"]);
    expect([...issues.cycleEdges].sort()).toEqual(["a->b", "b->c", "c->a"]);
    expect(issues.byStep.get("b")?.map((i) => i.code)).toContain("cycle");
    expect(issues.byField.get("d|needs")?.[0]?.message).toMatch(/unknown step "nope"/);
    expect(issues.byField.get("d|params.command")?.[0]?.message).toMatch(/empty/);
    const { nodes, edges } = definitionToFlow(graph, autoLayout(graph), issues);
    expect(nodes.find((n) => n.id === "b")?.data.inCycle).toBe(true);
    expect(nodes.find((n) => n.id === "d")?.data.inCycle).toBe(false);
    expect(edges.filter((e) => e.className === "wf-edge-cycle").map((e) => e.id).sort()).toEqual(["a->b", "b->c", "c->a"]);
  });

  it("still draws a document with missing and duplicate ids", () => {
    const graph = readGraph(parse("name: x\nsteps:\n  - { id: a, type: noop }\n  - { id: a, type: noop }\n  - { type: noop }\n"));
    expect(graph.steps.map((s) => s.key)).toEqual(["a", "steps[1]", "steps[2]"]);
  });
});

describe("graph diff of two versions", () => {
  it("marks added, removed and changed steps, and keeps removed ones on the graph", async () => {
    const { graphDiff } = await import("./graph-diff");
    //   v1: build ──► test ──► ship        v2: build ──► test' ──► deploy
    const v1 = readGraph(parse("name: d\nsteps:\n  - { id: build, type: noop }\n  - { id: test, type: noop, needs: [build] }\n  - { id: ship, type: noop, needs: [test] }\n"));
    const v2 = readGraph(parse("name: d\nsteps:\n  - { id: build, type: noop }\n  - { id: test, type: noop, needs: [build], timeout: 5m }\n  - { id: deploy, type: noop, needs: [test] }\n"));
    const { graph, marks } = graphDiff(v1, v2);
    expect(Object.fromEntries(marks)).toEqual({ test: "changed", deploy: "added", ship: "removed" });
    expect(graph.steps.map((s) => s.key)).toEqual(["build", "test", "deploy", "ship"]);
    expect(graph.edges.map((e) => e.id).sort()).toEqual(["build->test", "test->deploy", "test->ship"]);
    const { nodes } = definitionToFlow(graph, autoLayout(graph), undefined, { diff: marks });
    expect(nodes.find((n) => n.id === "ship")?.data.diff).toBe("removed");
  });
});

describe("layout of a big workflow", () => {
  it("lays out 500 steps in layers (no dagre above DAGRE_MAX_NODES): every step right of its needs, none overlapping", async () => {
    const { DAGRE_MAX_NODES } = await import("./auto-layout");
    //   s_0 ──► s_1 ──► s_2 ... with a long edge every 10 steps
    const steps = Array.from({ length: 500 }, (_, i) => ({ id: `s_${i}`, type: "noop", ...(i > 0 ? { needs: i % 10 === 0 ? [`s_${i - 1}`, `s_${i - 10}`] : [`s_${i - 1 - (i % 3 === 0 ? 1 : 0)}`] } : {}) }));
    const graph = readGraph({ name: "big", steps });
    expect(graph.steps.length).toBeGreaterThan(DAGRE_MAX_NODES);
    const started = performance.now();
    const pos = autoLayout(graph);
    expect(performance.now() - started).toBeLessThan(2_000); // generous: dagre took ~0.5-0.8 s here
    for (const e of graph.edges) expect(pos[e.to]?.x ?? 0, e.id).toBeGreaterThan(pos[e.from]?.x ?? 0);
    const seen = new Set(Object.values(pos).map((p) => `${p.x},${p.y}`));
    expect(seen.size).toBe(500);
  });
});
