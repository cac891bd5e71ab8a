import { describe, expect, it } from "vitest";
import { workflowJsonSchema } from "~/engine/definition/json-schema";
import { completeAt } from "./schema-completion";

const schema = workflowJsonSchema();
/** Completes at the `|` in `text`. */
function at(textWithCursor: string) {
  const offset = textWithCursor.indexOf("|");
  const r = completeAt(textWithCursor.replace("|", ""), offset, schema);
  return r?.options.map((o) => o.label) ?? [];
}

describe("YAML completion from the JSON Schema", () => {
  it("offers the top-level keys not written yet", () => {
    const labels = at("name: x\n|");
    expect(labels).toContain("steps");
    expect(labels).toContain("inputs");
    expect(labels).not.toContain("name");
  });

  it("offers the keys of a step of the written type, and its params", () => {
    const shell = at("name: x\nsteps:\n  - id: a\n    type: shell\n    |");
    expect(shell).toEqual(expect.arrayContaining(["needs", "params", "retries", "if"]));
    expect(shell).not.toContain("wait_for");
    const parallel = at("name: x\nsteps:\n  - id: a\n    type: parallel\n    w|");
    expect(parallel).toEqual(["wait_for"]);
    const params = at("name: x\nsteps:\n  - id: a\n    type: shell\n    params:\n      c|");
    expect(params).toEqual(["command", "cwd"]);
  });

  it("offers enum values: step types, http methods, booleans", () => {
    expect(at("name: x\nsteps:\n  - id: a\n    type: sh|")).toEqual(["shell"]);
    expect(at("name: x\nsteps:\n  - id: a\n    type: http\n    params:\n      method: P|")).toEqual(["POST", "PUT", "PATCH"]);
    expect(at("name: x\nsteps:\n  - id: a\n    type: noop\n    continue_on_failure: |")).toEqual(["true", "false"]);
  });

  it("knows the keys of a new list item and of nested steps", () => {
    expect(at("name: x\nsteps:\n  - id: a\n    type: noop\n  - |")).toEqual(expect.arrayContaining(["id", "type", "needs"]));
    const nested = at("name: x\nsteps:\n  - id: p\n    type: parallel\n    steps:\n      - id: c\n        type: shell\n        pa|");
    expect(nested).toEqual(["params"]);
  });
});
