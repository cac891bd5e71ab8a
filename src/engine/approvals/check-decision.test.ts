import { describe, expect, it } from "vitest";
import type { ApprovalPolicy } from "../definition/schema";
import { checkDecision } from "./check-decision";

const policy = (p: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({ min_approvals: 1, allow_self_approval: false, on_timeout: "fail", ...p });
const ann = { userId: "u-ann", email: "ann@x.io", roles: ["approver"] };
const bob = { userId: "u-bob", email: "bob@x.io", roles: ["approver"] };
const viewer = { userId: "u-vic", email: "vic@x.io", roles: ["viewer"] };

describe("checkDecision", () => {
  it("lets approvers and admins decide a gate that names no approvers", () => {
    expect(checkDecision(policy(), ann, "approve", { approvedBy: [] })).toEqual({ ok: true, final: true });
    expect(checkDecision(policy(), { ...viewer, roles: ["admin"] }, "reject", { approvedBy: [] })).toEqual({ ok: true, final: true });
    expect(checkDecision(policy(), viewer, "approve", { approvedBy: [] })).toMatchObject({ ok: false, code: "not_in_policy", reason: expect.stringContaining("roles approver, admin") });
  });

  it("follows the policy's roles and users", () => {
    const p = policy({ approvers: { roles: ["operator"], users: ["vic@x.io"] } });
    expect(checkDecision(p, ann, "approve", { approvedBy: [] })).toMatchObject({ ok: false });
    expect(checkDecision(p, viewer, "approve", { approvedBy: [] })).toEqual({ ok: true, final: true });
    expect(checkDecision(p, { ...bob, roles: ["operator"] }, "skip", { approvedBy: [] })).toEqual({ ok: true, final: true });
  });

  it("refuses self-approval unless allowed, but lets the starter reject", () => {
    expect(checkDecision(policy(), ann, "approve", { startedBy: "u-ann", approvedBy: [] })).toMatchObject({ ok: false, code: "self_approval", reason: expect.stringContaining("You started this run") });
    expect(checkDecision(policy(), ann, "modify", { startedBy: "u-ann", approvedBy: [] })).toMatchObject({ ok: false });
    expect(checkDecision(policy(), ann, "reject", { startedBy: "u-ann", approvedBy: [] })).toEqual({ ok: true, final: true });
    expect(checkDecision(policy({ allow_self_approval: true }), ann, "approve", { startedBy: "u-ann", approvedBy: [] })).toEqual({ ok: true, final: true });
  });

  it("counts distinct approvals up to the quorum (2 of M)", () => {
    const p = policy({ min_approvals: 2 });
    expect(checkDecision(p, ann, "approve", { approvedBy: [] })).toEqual({ ok: true, final: false, approvals: 1, needed: 2 });
    expect(checkDecision(p, ann, "approve", { approvedBy: ["u-ann"] })).toMatchObject({ ok: false, code: "already_approved", reason: expect.stringContaining("already") });
    expect(checkDecision(p, bob, "approve", { approvedBy: ["u-ann"] })).toEqual({ ok: true, final: true });
    // one rejection ends it, whatever the count
    expect(checkDecision(p, bob, "reject", { approvedBy: ["u-ann"] })).toEqual({ ok: true, final: true });
  });
});
