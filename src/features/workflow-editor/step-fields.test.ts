import { describe, expect, it } from "vitest";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import { STEP_TYPES } from "~/engine/definition/schema";
import { stringify } from "yaml";
import { newStepBody, stepFields } from "./step-fields";

describe("inspector fields from the zod schema", () => {
  it("lists every field of a shell step, params expanded, with controls from their types", () => {
    const fields = stepFields("shell");
    expect(fields.map((f) => f.path.join("."))).toEqual([
      "id", "type", "name", "description", "if", "timeout", "retries", "continue_on_failure", "approval", "outputs",
      "params.command", "params.argv", "params.env", "params.cwd", "resources",
    ]);
    const by = new Map(fields.map((f) => [f.path.join("."), f]));
    expect(by.get("params.command")?.control).toEqual({ kind: "text", multiline: true });
    expect(by.get("params.command")?.description).toBe("Run by /bin/sh -c");
    expect(by.get("params.argv")?.control).toEqual({ kind: "list" });
    expect(by.get("continue_on_failure")?.control).toEqual({ kind: "boolean" });
    expect(by.get("retries")?.control).toEqual({ kind: "yaml" });
    expect(by.get("if")?.description).toMatch(/CEL/);
  });

  it("gives enums a select and control steps their own fields", () => {
    expect(stepFields("http").find((f) => f.label === "method")?.control).toEqual({ kind: "select", options: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] });
    expect(stepFields("parallel").map((f) => f.label)).toContain("wait_for");
    expect(stepFields("foreach").find((f) => f.label === "concurrency")?.control).toMatchObject({ kind: "number" });
  });

  it("every palette type's default body validates", () => {
    for (const type of STEP_TYPES) {
      const yaml = stringify({ name: "t", steps: [newStepBody(type, "s", (b) => b)] });
      expect(loadWorkflow(yaml).errors, type).toEqual([]);
    }
  });
});
