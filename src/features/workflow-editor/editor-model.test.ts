import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { autoLayout } from "./auto-layout";
import { definitionToFlow } from "./definition-to-flow";
import { historyShortcut, ownsKeys } from "./history-shortcut";
import { parseText, withSyntaxIssue } from "./parse-text";
import { readGraph } from "./read-graph";
import { reuseNodes } from "./reuse-nodes";
import { saveRequest } from "./save-request";

describe("parseText", () => {
  it("reads YAML as data, or says where its first syntax error is", () => {
    expect(parseText("name: a\nsteps: []\n")).toEqual({ ok: true, data: { name: "a", steps: [] } });
    const bad = parseText("name: a\nsteps: [\n");
    expect(bad).toMatchObject({ ok: false, message: expect.stringMatching(/must be sufficiently indented and end with a \]$/) });
  });

  it("lists the syntax error first until the validator reports it", () => {
    const bad = parseText("a: [");
    const issue = { line: 3, col: 1, path: "steps[0]", code: "invalid_type" as const, message: "x" };
    const listed = withSyntaxIssue(bad, [issue]);
    expect(listed.map((i) => i.code)).toEqual(["yaml_syntax", "invalid_type"]);
    expect(listed[0]?.message).toMatch(/^YAML syntax error: /);
    const reported = [{ ...issue, code: "yaml_syntax" as const }];
    expect(withSyntaxIssue(bad, reported)).toBe(reported);
    expect(withSyntaxIssue(parseText("a: 1"), [issue])).toEqual([issue]);
  });
});

describe("reuseNodes", () => {
  //   build ──► test
  const flowOf = (yaml: string) => {
    const graph = readGraph(parse(yaml));
    return definitionToFlow(graph, autoLayout(graph)).nodes;
  };
  const before = flowOf("name: a\nsteps:\n  - { id: build, type: noop }\n  - { id: test, type: noop, needs: [build] }\n");

  it("keeps the objects of nodes whose content did not change", () => {
    // ARRANGE: the same graph with one step's params edited
    const first = reuseNodes(new Map(), before);
    const after = flowOf("name: a\nsteps:\n  - { id: build, type: noop }\n  - { id: test, type: noop, needs: [build], timeout: 5m }\n");
    // ACT
    const second = reuseNodes(first.byId, after);
    // ASSERT
    expect(second.nodes[0]).toBe(first.nodes[0]);
    expect(second.nodes[1]).not.toBe(first.nodes[1]);
    expect(second.nodes[1]).toBe(after[1]);
    expect([...second.byId.keys()]).toEqual(["build", "test"]);
  });
});

describe("saveRequest", () => {
  const positions = { build: { x: 1, y: 2 } };
  it("guards a save of the same workflow with the version it started from", () => {
    expect(saveRequest("name: a", " first ", positions, { name: "a", version: 3, text: "" }, "a")).toEqual({ yaml: "name: a", message: "first", layout: { positions }, baseVersion: 3 });
  });

  it("sends version 0 for a new workflow, so it cannot overwrite an existing one", () => {
    expect(saveRequest("name: b", "", positions, { version: 0, text: "" }, "b")).toEqual({ yaml: "name: b", layout: { positions }, baseVersion: 0 });
  });

  it("sends no base version when the name was changed (a save under another name)", () => {
    expect(saveRequest("name: c", "", positions, { name: "a", version: 3, text: "" }, "c")).toEqual({ yaml: "name: c", layout: { positions } });
  });
});

describe("historyShortcut", () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, ...mods });
  it("maps Ctrl/Cmd+Z to undo, with Shift or Ctrl/Cmd+Y to redo, and nothing else", () => {
    expect(historyShortcut(key("z", { ctrlKey: true }))).toBe("undo");
    expect(historyShortcut(key("Z", { metaKey: true, shiftKey: true }))).toBe("redo");
    expect(historyShortcut(key("y", { ctrlKey: true }))).toBe("redo");
    expect(historyShortcut(key("z"))).toBeNull();
    expect(historyShortcut(key("s", { ctrlKey: true }))).toBeNull();
  });

  it("leaves keys typed into the YAML editor or a form field to them", () => {
    const el = (tagName: string, inEditor = false) => ({ tagName, closest: (s: string) => (inEditor && s === ".cm-editor" ? {} : null) });
    expect([ownsKeys(el("INPUT")), ownsKeys(el("TEXTAREA")), ownsKeys(el("SELECT")), ownsKeys(el("DIV", true))]).toEqual([true, true, true, true]);
    expect(ownsKeys(el("DIV"))).toBe(false);
  });
});
