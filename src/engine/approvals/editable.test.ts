import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../definition/load-workflow";
import { changedPaths, firstNotEditable, firstTemplate } from "./editable";

//  build (shell, gate: editable ...) ──► deploy (shell)
//                                    └─► notify (http)
//  later (noop) needs deploy: downstream, but not right after the gate
const flow = (editable: string) =>
  [
    "name: e",
    "steps:",
    "  - id: build",
    "    type: shell",
    "    params: { command: make }",
    "    approval:",
    `      editable: ${editable}`,
    "  - { id: deploy, type: shell, needs: [build], params: { command: deploy, env: { STAGE: prod } } }",
    "  - { id: notify, type: http, needs: [build], params: { url: https://x.io } }",
    "  - { id: later, type: noop, needs: [deploy] }",
    "  - { id: stage, type: approval, needs: [build], approval: { editable: [stage.output] } }",
    "",
  ].join("\n");

const errors = (editable: string) => loadWorkflow(flow(editable), { file: "w.yaml" }).errors.filter((e) => e.path.startsWith("steps[0].approval.editable"));

describe("approval.editable at load time", () => {
  it("accepts the gated step's output and params, and params of the steps that need it", () => {
    expect(errors("[build.output, build.output.artifact, build.params.env.TARGET, build.params.cwd, deploy.params.env.STAGE, notify.params.body.replicas, notify.params.headers.X-Tag]")).toEqual([]);
  });

  it("names the entry, line and column of every bad one", () => {
    const found = errors("[nope.params.x, later.params.output, deploy.params.replicas, deploy.params.command, deploy.params.argv, deploy.params.env, deploy.params.env.LD_PRELOAD, deploy.output, deploy.params, build.inputs.x, notify.params.url.host]");
    expect(found.map((e) => [e.path, e.line, e.message])).toEqual([
      ["steps[0].approval.editable[0]", 7, expect.stringContaining('there is no step "nope"')],
      ["steps[0].approval.editable[1]", 7, expect.stringContaining('"later" does not run right after "build"')],
      ["steps[0].approval.editable[2]", 7, expect.stringContaining('there is no "replicas" at deploy.params (command, argv, env, cwd)')],
      ["steps[0].approval.editable[3]", 7, expect.stringContaining("a shell step's command is code")],
      ["steps[0].approval.editable[4]", 7, expect.stringContaining("a shell step's argv is code")],
      ["steps[0].approval.editable[5]", 7, expect.stringContaining("name each variable")],
      ["steps[0].approval.editable[6]", 7, expect.stringContaining("LD_PRELOAD is read by the shell, the loader or the engine as code")],
      ["steps[0].approval.editable[7]", 7, expect.stringContaining("only the gated step's own output")],
      ["steps[0].approval.editable[8]", 7, expect.stringContaining("name the param")],
      ["steps[0].approval.editable[9]", 7, expect.stringContaining("is not an editable path")],
      ["steps[0].approval.editable[10]", 7, expect.stringContaining("notify.params.url is a single value")],
    ]);
    // Columns point at each entry.
    expect(new Set(found.map((e) => e.col)).size).toBe(found.length);
    expect(found.every((e) => e.code === "invalid_value")).toBe(true);
  });

  it("refuses a human stage's output (its output is its form)", () => {
    const stage = loadWorkflow(flow("[]")).errors.filter((e) => e.path.includes("editable"));
    expect(stage).toEqual([expect.objectContaining({ path: "steps[4].approval.editable[0]", message: expect.stringContaining("a human stage's output is its form's values") })]);
  });
});

describe("what changed, and whether the gate allows it", () => {
  it("compares objects key by key and everything else as one value", () => {
    expect(changedPaths({ a: 1, env: { X: "1", Y: "2" }, argv: ["a"] }, { a: 1, env: { X: "1", Y: "3" }, argv: ["a", "b"] })).toEqual([["env", "Y"], ["argv"]]);
    expect(changedPaths({ env: { X: "1" } }, {})).toEqual([["env", "X"]]);
    expect(changedPaths({ a: 1 }, { a: 1 })).toEqual([]);
    expect(changedPaths({ a: 1 }, [1])).toEqual([[]]);
    expect(changedPaths(undefined, { x: 1 })).toEqual([["x"]]);
  });

  it("covers a path by any listed prefix, and names the first one not covered", () => {
    const changed = changedPaths({ command: "deploy", env: { STAGE: "prod" } }, { command: "id", env: { STAGE: "canary" } });
    expect(firstNotEditable(["deploy.params.env.STAGE"], ["deploy", "params"], changed)).toBe("deploy.params.command");
    expect(firstNotEditable(["deploy.params.env.STAGE", "deploy.params.command"], ["deploy", "params"], changed)).toBeUndefined();
    expect(firstNotEditable(["deploy.params.env.STAGE.x"], ["deploy", "params"], [["env", "STAGE"]])).toBe("deploy.params.env.STAGE");
    expect(firstNotEditable(["build.output"], ["build", "output"], [[]])).toBeUndefined();
    expect(firstNotEditable(["build.output.a"], ["build", "output"], [[]])).toBe("build.output");
  });

  it("finds templates in changed values only", () => {
    const after = { command: "echo {{ inputs.x }}", env: { STAGE: "{{ secrets.KEY }}", OK: "x" } };
    expect(firstTemplate(after, ["d", "params"], [["env", "OK"]])).toBeUndefined();
    expect(firstTemplate(after, ["d", "params"], [["env", "OK"], ["env", "STAGE"]])).toBe("d.params.env.STAGE");
    expect(firstTemplate({ env: { A: ["{{x}}"] } }, ["d", "params"], [["env"]])).toBe("d.params.env");
  });
});
