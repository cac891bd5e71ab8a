import { describe, expect, it } from "vitest";
import type { Approval } from "./approval-types";
import { decisionRequest, outcomeText } from "./gate-outcome";

type After = Pick<Approval, "status" | "approvals" | "decisions">;
const decision = (over: Partial<Approval["decisions"][number]> = {}): Approval["decisions"][number] => ({ actor: "ana", action: "modify", comment: null, at: new Date(0), ...over });
const after = (over: Partial<After> = {}): After => ({ status: "approved", approvals: { count: 1, needed: 1 }, decisions: [], ...over });
const gate = { stepId: "build" };

describe("outcomeText", () => {
  it("says whether an approval let the run continue or the gate waits for more", () => {
    expect(outcomeText("approve", gate, after())).toBe("Approved build: the run continues.");
    expect(outcomeText("approve", gate, after({ status: "pending", approvals: { count: 1, needed: 2 } }))).toBe("Approval recorded (1 of 2): the gate waits for more approvals.");
  });

  it("says what a modify changed: the output, the next steps' params, or both", () => {
    expect(outcomeText("modify", gate, after({ decisions: [decision({ payload: { v: 2 } })] }))).toBe("Output of build modified: the run continues with the new output.");
    expect(outcomeText("modify", gate, after({ decisions: [decision({ nextParams: { deploy: { before: 1, after: 2 } } })] }))).toBe("Params of deploy changed: the run continues with them.");
    expect(outcomeText("modify", gate, after({ decisions: [decision({ payload: {}, nextParams: { deploy: { before: 1, after: 2 }, notify: { before: 1, after: 2 } } })] }))).toBe(
      "Output of build modified: the run continues with the new output and new params of deploy, notify.",
    );
  });

  it.each([
    ["retry", "build is retried: it will ask for review again."],
    ["skip", "build skipped: the run continues."],
    ["reject", "build rejected: the step failed and the steps after it do not run."],
    ["cancel", "Run cancelled at the gate of build."],
  ] as const)("says what %s did", (action, text) => {
    expect(outcomeText(action, gate, after())).toBe(text);
  });
});

describe("decisionRequest", () => {
  it("sends only what is given, the comment trimmed and a blank one not at all", () => {
    expect(decisionRequest("g1", "approve", { comment: "  " })).toEqual({ id: "g1", action: "approve" });
    expect(decisionRequest("g1", "modify", { comment: " looks fine ", payload: { v: 2 }, form: { ok: true }, nextParams: { deploy: {} } })).toEqual({
      id: "g1",
      action: "modify",
      comment: "looks fine",
      payload: { v: 2 },
      form: { ok: true },
      nextParams: { deploy: {} },
    });
  });

  it("sends a payload that is falsy but given (null, 0)", () => {
    expect(decisionRequest("g1", "modify", { comment: "", payload: null })).toEqual({ id: "g1", action: "modify", payload: null });
  });
});
