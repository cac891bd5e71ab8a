/**
 * Gates through the approvals service on a real database: policy, N of M, self-approval, the six
 * actions' effect on the run, race-free decisions, expiry, and the audit chain.
 *
 *   build ──► review (gate) ──► ship
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { Worker } from "~/server/worker/worker";
import { decideApproval, decideMany, listApprovals } from "./approvals";
import { verifyAudit } from "./audit/verify-audit";
import { startRun } from "./runs";
import { saveWorkflow } from "./workflows";

let starter: Actor;
let ann: Actor;
let bob: Actor;
let viewer: Actor;
let op: Actor;

const FLOW = (name: string, approval = "") =>
  `name: ${name}\nsteps:\n  - { id: build, type: noop, params: { output: { artifact: app.tgz } } }\n  - { id: review, type: approval, needs: [build]${approval ? `, approval: ${approval}` : ""} }\n  - { id: ship, type: noop, needs: [review] }\n`;

// A step held for review whose output an approver may edit (approval.editable).
const HELD = `name: held\nsteps:\n  - { id: build, type: noop, params: { output: { artifact: app.tgz } }, approval: { editable: [build.output] } }\n  - { id: ship, type: noop, needs: [build] }\n`;

async function until<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const worker = () => new Worker({ store: engineStore(), executors: { noop: { execute: async (e) => ({ ok: true, output: (e.params as { output?: never })?.output ?? {} }) } }, pollMs: 10 }).start();

async function pendingGate(workflow: string) {
  const run = await startRun(starter, { workflow, approvalMode: "interactive" });
  const gate = await until(async () => (await listApprovals(ann, { runId: run.id, status: "pending" }))[0]);
  return { runId: run.id, gate };
}

async function runStatus(runId: string) {
  return until(async () => {
    const r = await db.run.findUniqueOrThrow({ where: { id: runId } });
    return ["succeeded", "failed", "cancelled"].includes(r.status) ? r.status : undefined;
  });
}

describe("approval gates", () => {
  let w: Worker;
  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Gates");
    starter = await createUserWithRoles(team.id, "starter@x.io", ["operator", "approver"]);
    ann = await createUserWithRoles(team.id, "ann@x.io", ["approver"]);
    bob = await createUserWithRoles(team.id, "bob@x.io", ["approver"]);
    viewer = await createUserWithRoles(team.id, "vic@x.io", ["viewer"]);
    op = await createUserWithRoles(team.id, "op@x.io", ["operator"]);
    await saveWorkflow(team, { yaml: FLOW("gated") });
    await saveWorkflow(team, { yaml: HELD });
    await saveWorkflow(team, { yaml: FLOW("quorum", "{ min_approvals: 2 }") });
    await saveWorkflow(team, { yaml: FLOW("expiring", "{ timeout: 200ms, on_timeout: skip }") });
    w = worker();
    return () => w.stop(1000);
  });

  it("opens a gate with the step's context and who may decide it", async () => {
    const { gate } = await pendingGate("gated");
    expect(gate).toMatchObject({ stepId: "review", status: "pending", workflow: "gated", startedBy: "starter@x.io", canDecide: { ok: true } });
    const asViewer = (await listApprovals(viewer, { runId: gate.runId }))[0];
    expect(asViewer?.canDecide).toMatchObject({ ok: false, reason: expect.stringContaining("approver or admin") });
    const asStarter = (await listApprovals(starter, { runId: gate.runId }))[0];
    expect(asStarter?.canDecide).toMatchObject({ ok: false, reason: expect.stringContaining("You started this run") });
  });

  it.each([
    ["approve", "succeeded", "approved"],
    ["modify", "succeeded", "modified"],
    ["skip", "succeeded", "skipped"],
    ["reject", "failed", "rejected"],
    ["cancel", "cancelled", "cancelled"],
  ] as const)("%s ends the run %s", async (action, runEnd, gateStatus) => {
    // modify edits a held step's output; cancel needs run control (an operator), the rest an approver
    const { runId, gate } = await pendingGate(action === "modify" ? "held" : "gated");
    const who = action === "cancel" ? op : ann;
    const decided = await decideApproval(who, { id: gate.id, action, comment: `${action} please`, payload: action === "modify" ? { reviewed: true } : undefined });
    expect(decided.status).toBe(gateStatus);
    expect(decided.decisions).toEqual([expect.objectContaining({ actor: who.email, action, comment: `${action} please` })]);
    expect(await runStatus(runId)).toBe(runEnd);
    if (action === "modify") {
      const build = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "build" } } });
      expect(JSON.parse(build.state).output).toEqual({ reviewed: true });
    }
  });

  it("retry runs the step again, then gates again", async () => {
    const { runId, gate } = await pendingGate("gated");
    await decideApproval(ann, { id: gate.id, action: "retry" });
    const again = await until(async () => (await listApprovals(ann, { runId, status: "pending" }))[0]);
    expect(again.id).not.toBe(gate.id);
    expect(again.attempt).toBe(gate.attempt + 1);
    await decideApproval(bob, { id: again.id, action: "approve" });
    expect(await runStatus(runId)).toBe("succeeded");
  });

  it("refuses self-approval and non-approvers with the reason; a decided gate answers CONFLICT", async () => {
    const { gate } = await pendingGate("gated");
    await expect(decideApproval(starter, { id: gate.id, action: "approve" })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("You started this run") });
    await expect(decideApproval(viewer, { id: gate.id, action: "approve" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await decideApproval(ann, { id: gate.id, action: "approve" });
    await expect(decideApproval(bob, { id: gate.id, action: "reject" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("approved by ann@x.io") });
  });

  it("needs two distinct approvals when min_approvals is 2", async () => {
    const { runId, gate } = await pendingGate("quorum");
    const first = await decideApproval(ann, { id: gate.id, action: "approve" });
    expect(first.status).toBe("pending");
    await expect(decideApproval(ann, { id: gate.id, action: "approve" })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("already") });
    const second = await decideApproval(bob, { id: gate.id, action: "approve" });
    expect(second.status).toBe("approved");
    expect(await runStatus(runId)).toBe("succeeded");
  });

  it("an expired gate takes its explicit outcome (skip), never approval", async () => {
    const { runId, gate } = await pendingGate("expiring");
    expect(await runStatus(runId)).toBe("succeeded"); // skip lets downstream continue
    const row = await db.approval.findUniqueOrThrow({ where: { id: gate.id } });
    expect(row.status).toBe("expired");
    const review = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "review" } } });
    expect(review.status).toBe("skipped");
  });

  it("200 concurrent pairs of decisions: exactly one wins each gate, the other gets CONFLICT", { timeout: 120_000 }, async () => {
    const gates = [];
    for (let i = 0; i < 200; i++) gates.push(await pendingGate("gated"));
    const outcomes = await Promise.all(
      gates.map(async ({ gate }, i) => {
        const second = i % 2 === 0 ? "approve" : "reject";
        const results = await Promise.allSettled([decideApproval(ann, { id: gate.id, action: "approve" }), decideApproval(bob, { id: gate.id, action: second })]);
        return { gate, results };
      }),
    );
    for (const { gate, results } of outcomes) {
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won.length).toBe(1);
      expect(lost.length).toBe(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
      expect(await db.approvalDecision.count({ where: { approvalId: gate.id } })).toBe(1);
      const row = await db.approval.findUniqueOrThrow({ where: { id: gate.id } });
      expect(["approved", "rejected"]).toContain(row.status);
      // one transition of the gated step
      const review = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId: gate.runId, stepId: "review" } } });
      expect(JSON.parse(review.state).gate.status).toBe(row.status);
    }
  });

  it("batch: three gates approved in one action, each recorded on its own; a refused one says why", async () => {
    const three = [await pendingGate("gated"), await pendingGate("gated"), await pendingGate("gated")];
    const own = await startRun(ann, { workflow: "gated", approvalMode: "interactive" }); // ann started it: self-approval
    const ownGate = await until(async () => (await listApprovals(ann, { runId: own.id, status: "pending" }))[0]);
    const results = await decideMany(ann, { ids: [...three.map((g) => g.gate.id), ownGate.id], action: "approve", comment: "batch" });
    expect(results.filter((r) => r.ok).map((r) => r.status)).toEqual(["approved", "approved", "approved"]);
    expect(results.find((r) => r.id === ownGate.id)).toMatchObject({ ok: false, error: { code: "FORBIDDEN", message: expect.stringContaining("You started this run") } });
    for (const g of three) expect(await runStatus(g.runId)).toBe("succeeded");
    expect(await db.approvalDecision.count({ where: { approvalId: { in: three.map((g) => g.gate.id) }, comment: "batch" } })).toBe(3);
  });

  it("keeps an audit chain that names the first edited row", async () => {
    expect(await verifyAudit(ann)).toMatchObject({ ok: true });
    const rows = await db.auditLog.findMany({ where: { teamId: ann.teamId }, orderBy: { id: "asc" }, take: 10 });
    expect(rows.map((r) => r.action)).toContain("gate.opened");
    const victim = rows[3];
    if (!victim) throw new Error("not enough audit rows");
    await db.auditLog.update({ where: { id: victim.id }, data: { actor: "mallory@x.io" } });
    expect(await verifyAudit(ann)).toMatchObject({ ok: false, badRowId: victim.id, reason: expect.stringContaining("edited") });
  });
});
