import { describe, expect, it } from "vitest";
import { loadWorkflow } from "./definition/load-workflow";
import { compilePlan } from "./graph/compile-plan";
import { resolveResources } from "./resources";
import { formatSize, parseSize } from "./size";

describe("sizes", () => {
  it("parses binary units and bytes, and formats them back", () => {
    expect(parseSize("64MB")).toBe(64 * 1024 ** 2);
    expect(parseSize("2GB")).toBe(2 * 1024 ** 3);
    expect(parseSize("2GiB")).toBe(2 * 1024 ** 3);
    expect(parseSize("1.5GB")).toBe(1.5 * 1024 ** 3);
    expect(parseSize("512KB")).toBe(512 * 1024);
    expect(parseSize(4096)).toBe(4096);
    expect(formatSize(64 * 1024 ** 2)).toBe("64MB");
    expect(formatSize(1.5 * 1024 ** 3)).toBe("1.5GB");
    expect(formatSize(1000)).toBe("1000B");
    for (const bad of ["2 GB", "2gb", "GB", "-1MB", "1e3MB", ""]) expect(() => parseSize(bad), bad).toThrow(/invalid size/);
  });
});

describe("resources of a step", () => {
  //  build (shell, own memory) ──► test (shell, defaults only) ──► notify (noop)
  const yaml = [
    "name: limited",
    "defaults:",
    "  resources: { memory: 1GB, cpu_time: 10m, processes: 64 }",
    "steps:",
    "  - id: build",
    "    type: shell",
    "    resources: { memory: 256MB, cpu_time: 1500ms }",
    "    params: { command: make }",
    "  - { id: test, type: shell, needs: [build], params: { command: make test } }",
    "  - { id: notify, type: noop, needs: [test] }",
    "",
  ].join("\n");

  it("take the step's own fields over the workflow's defaults, field by field, in executor units", () => {
    const loaded = loadWorkflow(yaml);
    expect(loaded.errors).toEqual([]);
    const plan = compilePlan(loaded.definition!);
    expect(plan.nodes.get("build")?.resources).toEqual({ memoryBytes: 256 * 1024 ** 2, cpuSeconds: 2, processes: 64 });
    expect(plan.nodes.get("test")?.resources).toEqual({ memoryBytes: 1024 ** 3, cpuSeconds: 600, processes: 64 });
    // A step that runs no process has none.
    expect(plan.nodes.get("notify")?.resources).toBeUndefined();
    expect(resolveResources(undefined, undefined)).toBeUndefined();
  });

  it("bad values are refused at load time with line:col and what to write", () => {
    const bad = [
      "name: bad",
      "steps:",
      "  - id: a",
      "    type: shell",
      "    resources: { memory: 2 gigs, cpu_time: 0s, processes: 0, disk: 1GB }",
      "    params: { command: make }",
      "  - id: b",
      "    type: shell",
      "    resources: { memory: 1MB }",
      "    params: { command: make }",
      "  - { id: c, type: http, resources: { memory: 1GB }, params: { url: 'https://x.io' } }",
      "",
    ].join("\n");
    const errors = loadWorkflow(bad, { file: "w.yaml" }).errors;
    const at = (path: string) => errors.find((e) => e.path === path);
    expect(at("steps[0].resources.memory")).toMatchObject({ line: 5, message: expect.stringContaining("write a size such as 64MB") });
    expect(at("steps[0].resources.cpu_time")).toMatchObject({ line: 5, message: expect.stringContaining("at least 1s") });
    expect(at("steps[0].resources.processes")).toMatchObject({ line: 5 });
    expect(at("steps[0].resources.disk")).toMatchObject({ code: "unknown_field" });
    expect(at("steps[1].resources.memory")).toMatchObject({ line: 9, message: expect.stringContaining("at least 16MB") });
    // Only steps that run processes take resources.
    expect(at("steps[2].resources")).toMatchObject({ line: 11, code: "unknown_field" });
  });
});
