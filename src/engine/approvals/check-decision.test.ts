import { describe, expect, it } from "vitest";
import type { ApprovalPolicy } from "../definition/schema";
import { autoApproval, checkDecision, type DecisionContext } from "./check-decision";
import { DECISION_ACTIONS, GATE_ACTION_RULES } from "./gate-actions";

const policy = (p: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({ min_approvals: 1, allow_self_approval: false, on_timeout: "fail", ...p });
const ann = { userId: "u-ann", email: "ann@x.io", roles: ["approver"] };
const bob = { userId: "u-bob", email: "bob@x.io", roles: ["approver"] };
const viewer = { userId: "u-vic", email: "vic@x.io", roles: ["viewer"] };
const APPROVER = { decide: true, control: false };
const ctx = (c: Partial<DecisionContext> = {}): DecisionContext => ({ approvedBy: [], may: APPROVER, ...c });

describe("checkDecision", () => {
  it("lets approvers and admins decide a gate that names no approvers", () => {
    expect(checkDecision(policy(), ann, "approve", ctx())).toEqual({ ok: true, final: true, approvals: 1, needed: 1 });
    expect(checkDecision(policy(), { ...viewer, roles: ["admin"] }, "reject", ctx())).toMatchObject({ ok: true, final: true });
    expect(checkDecision(policy(), viewer, "approve", ctx())).toMatchObject({ ok: false, code: "not_in_policy", reason: expect.stringContaining("the approver or admin roles") });
  });

  it("needs the decide permission for decide actions and run control for cancel", () => {
    expect(checkDecision(policy(), ann, "approve", ctx({ may: { decide: false, control: false } }))).toMatchObject({ ok: false, code: "no_permission" });
    expect(checkDecision(policy(), ann, "cancel", ctx())).toMatchObject({ ok: false, code: "no_permission", reason: expect.stringContaining("run control") });
    // An operator cancels through the gate without being in its policy, and may be the starter.
    const op = { userId: "u-op", email: "op@x.io", roles: ["operator"] };
    expect(checkDecision(policy({ approvers: { roles: ["approver"], users: [] } }), op, "cancel", ctx({ startedBy: "u-op", may: { decide: false, control: true } }))).toMatchObject({ ok: true, final: true });
    expect(checkDecision(policy(), op, "reject", ctx({ may: { decide: false, control: true } }))).toMatchObject({ ok: false, code: "no_permission" });
  });

  it("follows the policy's roles and users, and says clearly who may decide", () => {
    const p = policy({ approvers: { roles: ["operator"], users: ["vic@x.io"] } });
    expect(checkDecision(p, ann, "approve", ctx())).toMatchObject({ ok: false, code: "not_in_policy" });
    expect(checkDecision(p, viewer, "approve", ctx())).toMatchObject({ ok: true, final: true });
    expect(checkDecision(p, { ...bob, roles: ["operator"] }, "skip", ctx())).toMatchObject({ ok: true, final: true });
    const admin = { userId: "u-adm", email: "adm@x.io", roles: ["admin"] };
    expect(checkDecision(policy({ approvers: { roles: ["approver"], users: [] } }), admin, "approve", ctx())).toEqual({
      ok: false,
      code: "not_in_policy",
      reason: "Only the approver role may decide this gate (your role: admin).",
    });
  });

  it("refuses the starter on every action that passes or re-runs the gate, not on reject or cancel", () => {
    for (const action of DECISION_ACTIONS) {
      const may = { decide: true, control: true };
      const r = checkDecision(policy(), ann, action, ctx({ startedBy: "u-ann", may }));
      if (GATE_ACTION_RULES[action].noSelfApproval) expect(r, action).toMatchObject({ ok: false, code: "self_approval", reason: expect.stringContaining("You started this run") });
      else expect(r, action).toMatchObject({ ok: true, final: true });
    }
    expect(checkDecision(policy({ allow_self_approval: true }), ann, "approve", ctx({ startedBy: "u-ann" }))).toMatchObject({ ok: true, final: true });
  });

  it("counts distinct approvals up to the quorum (2 of M); modify and skip only complete it", () => {
    const p = policy({ min_approvals: 2 });
    expect(checkDecision(p, ann, "approve", ctx())).toEqual({ ok: true, final: false, approvals: 1, needed: 2 });
    for (const action of ["modify", "skip"] as const) {
      expect(checkDecision(p, ann, action, ctx()), action).toMatchObject({ ok: false, code: "quorum_first", reason: expect.stringContaining("needs 2 approvals (0 so far)") });
      expect(checkDecision(p, bob, action, ctx({ approvedBy: ["u-ann"] })), action).toMatchObject({ ok: true, final: true, approvals: 2 });
      expect(checkDecision(p, ann, action, ctx({ approvedBy: ["u-ann"] })), action).toMatchObject({ ok: false, code: "already_approved" });
    }
    expect(checkDecision(p, ann, "approve", ctx({ approvedBy: ["u-ann"] }))).toMatchObject({ ok: false, code: "already_approved", reason: expect.stringContaining("already") });
    expect(checkDecision(p, bob, "approve", ctx({ approvedBy: ["u-ann"] }))).toMatchObject({ ok: true, final: true });
    // one rejection (or a retry) ends it, whatever the count, even by someone who approved
    expect(checkDecision(p, ann, "reject", ctx({ approvedBy: ["u-ann"] }))).toMatchObject({ ok: true, final: true });
    expect(checkDecision(p, bob, "retry", ctx())).toMatchObject({ ok: true, final: true });
  });

  it("lets the escalated roles decide once the escalation is due, not before", () => {
    const p = policy({ approvers: { roles: ["approver"], users: [] }, escalate: { after: "1h", roles: ["admin"] } });
    const admin = { userId: "u-adm", email: "adm@x.io", roles: ["admin"] };
    const before = checkDecision(p, admin, "approve", ctx({ requestedAt: 0, now: 3_599_999 }));
    expect(before).toMatchObject({ ok: false, code: "not_in_policy", reason: expect.stringContaining("it escalates to admin after 1h") });
    expect(checkDecision(p, admin, "approve", ctx({ requestedAt: 0, now: 3_600_000 }))).toMatchObject({ ok: true, final: true });
    expect(checkDecision(p, ann, "approve", ctx({ requestedAt: 0, now: 0 }))).toMatchObject({ ok: true });
  });
});

describe("autoApproval", () => {
  const starter = { ...ann, may: APPROVER };
  it("passes a gate only when the starter alone could approve it", () => {
    expect(autoApproval(policy({ allow_self_approval: true }), starter)).toMatchObject({ ok: true, final: true });
    expect(autoApproval(policy(), starter)).toMatchObject({ ok: false, code: "self_approval" });
    expect(autoApproval(policy({ allow_self_approval: true, min_approvals: 2 }), starter)).toMatchObject({ ok: false, code: "quorum_first", reason: expect.stringContaining("auto mode is one person") });
    expect(autoApproval(policy({ allow_self_approval: true, approvers: { roles: ["admin"], users: [] } }), starter)).toMatchObject({ ok: false, code: "not_in_policy" });
    expect(autoApproval(policy({ allow_self_approval: true }), { ...starter, roles: ["operator"], may: { decide: false, control: true } })).toMatchObject({ ok: false, code: "no_permission" });
    expect(autoApproval(policy({ allow_self_approval: true }), null)).toMatchObject({ ok: false });
    // A starter who may edit the workflow (editor, admin) could remove the gates: auto mode passes them.
    const author = { ...starter, roles: ["editor"], may: { decide: false, control: false, author: true } };
    expect(autoApproval(policy({ min_approvals: 2, approvers: { roles: ["admin"], users: [] } }), author)).toMatchObject({ ok: true, final: true });
  });
});
