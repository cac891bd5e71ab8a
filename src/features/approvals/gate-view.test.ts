import { describe, expect, it } from "vitest";
import { DECISION_ACTIONS, type Approval, type GateAction, type GateContext } from "./approval-types";
import { decidersText, gateButtons, gateChanges, gateView } from "./gate-view";

const OK = { ok: true } as const;
type Actions = Approval["actions"];

/** Every action allowed, but those given. */
function actions(over: Partial<Actions> = {}): Actions {
  return { ...(Object.fromEntries(DECISION_ACTIONS.map((a) => [a, OK])) as Actions), ...over };
}
const gate = (over: Partial<Actions> = {}, reason?: string) => ({ actions: actions(over), canDecide: reason ? { ok: false, reason } : OK });

function context(over: Partial<GateContext> = {}): GateContext {
  return { stepId: "build", type: "shell", params: { command: "make" }, next: [], artifacts: { attempt: 1, items: [] }, editable: [], ...over };
}

describe("gateButtons", () => {
  it("shows the five decisions and cancel to a decider with run control, in the table's order", () => {
    const b = gateButtons(gate(), true, false);
    expect(b.shown).toEqual(DECISION_ACTIONS);
    expect(b.decisions).toEqual(DECISION_ACTIONS.filter((a) => a !== "cancel"));
    expect(b).toMatchObject({ refusals: [], onlyCancel: false, blocked: null });
  });

  it("shows only Cancel run to someone with run control who may not decide", () => {
    const b = gateButtons(gate({}, "Only the lead role decides this gate."), false, false);
    expect(b.shown).toEqual(["cancel"]);
    expect(b.decisions).toEqual([]);
    expect(b.blocked).toBeNull();
  });

  it("says why when the caller may neither decide nor cancel", () => {
    const b = gateButtons(gate({ cancel: { ok: false, reason: "no run.control" } }, "Only the lead role decides this gate."), false, false);
    expect(b.shown).toEqual([]);
    expect(b.blocked).toBe("Only the lead role decides this gate.");
    expect(gateButtons(gate({ cancel: { ok: false } }, undefined), false, false).blocked).toBe("You may not decide this gate.");
  });

  it("collects each distinct refusal once, and notes that cancel is still possible", () => {
    // ARRANGE: the starter of the run may not approve their own run (every counting action refused)
    const self = { ok: false, reason: "You started this run: someone else must approve it." };
    const refused: Partial<Actions> = { approve: self, modify: self, skip: self, retry: self, reject: { ok: false } };
    // ACT
    const b = gateButtons(gate(refused), true, false);
    // ASSERT
    expect(b.refusals).toEqual([self.reason, "You may not decide this gate."]);
    expect(b.onlyCancel).toBe(true);
  });

  it("turns Modify off when the gate lists nothing to change, on the button only", () => {
    const b = gateButtons(gate(), true, true);
    expect(b.verdicts.modify).toEqual({ ok: false, reason: "This gate lets approvers change nothing (approval.editable lists no field)." });
    expect(b.refusals).toEqual([]);
    const others: GateAction[] = ["approve", "retry", "skip", "reject", "cancel"];
    expect(others.map((a) => b.verdicts[a].ok)).toEqual(others.map(() => true));
  });

  it("keeps the server's refusal of Modify rather than its own", () => {
    const b = gateButtons(gate({ modify: { ok: false, reason: "quorum" } }), true, true);
    expect(b.verdicts.modify).toEqual({ ok: false, reason: "quorum" });
  });
});

describe("gateChanges", () => {
  it("knows nothing while the context loads: modify is not yet ruled out, retry only confirms", () => {
    expect(gateChanges("build", undefined)).toMatchObject({ stage: false, nothingToModify: false, retryEditsParams: false });
  });

  it("splits approval.editable into the output, the step's params and the next steps' params", () => {
    // ARRANGE:  build ──► deploy
    //                 └─► notify   (only deploy has editable params)
    const ctx = context({
      editable: ["build.output.version", "build.params.command", "deploy.params.target"],
      next: [
        { id: "deploy", type: "shell", status: "pending", params: { target: "prod" } },
        { id: "notify", type: "http", status: "pending", params: {} },
      ],
    });
    // ACT
    const c = gateChanges("build", ctx);
    // ASSERT
    expect(c.editableOutput).toEqual(["build.output.version"]);
    expect(c.editableParams).toEqual(["build.params.command"]);
    expect(c.editableNext.map((n) => [n.id, n.editable])).toEqual([["deploy", ["deploy.params.target"]]]);
    expect(c).toMatchObject({ nothingToModify: false, retryEditsParams: true });
  });

  it("offers no output of a human stage to modify, and its retry only confirms", () => {
    const c = gateChanges("review", context({ stepId: "review", type: "approval", editable: ["review.output", "review.params.x"] }));
    expect(c).toMatchObject({ stage: true, editableOutput: [], nothingToModify: true, retryEditsParams: false });
  });

  it("has nothing to modify when approval.editable is empty", () => {
    expect(gateChanges("build", context())).toMatchObject({ nothingToModify: true, retryEditsParams: false });
  });
});

describe("decidersText", () => {
  it("names roles then users", () => {
    expect(decidersText({ roles: ["lead"], users: [] })).toBe("lead role");
    expect(decidersText({ roles: ["lead", "ops"], users: ["ana@example.com"] })).toBe("lead, ops roles or ana@example.com");
    expect(decidersText({ roles: [], users: ["ana", "bo"] })).toBe("ana or bo");
    expect(decidersText({ roles: [], users: [] })).toBe("");
  });
});

describe("gateView", () => {
  it("feeds the loaded context into the buttons (Modify off with nothing editable)", () => {
    const v = gateView({ stepId: "build", ...gate(), deciders: { roles: ["lead"], users: [], escalated: false } }, context(), true);
    expect(v.buttons.verdicts.modify.ok).toBe(false);
    expect(v.deciders).toBe("lead role");
  });
});
