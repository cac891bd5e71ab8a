/**
 * Gate policies cannot be bypassed: every action × {the run's starter, a second approver, an
 * outsider} × min_approvals 1 and 2, through the approvals service on a real database (SQLite, and
 * PostgreSQL when TEST_DATABASE_URL is set) and a real worker. Each case asserts allowed or refused
 * (with its code), then the gate and the run as they are afterwards. The rules are the engine's one
 * table (engine/approvals/gate-actions.ts).
 *
 *   build (noop, held for review: approvers roles [approver], min_approvals N) ──► ship (noop)
 *
 * starter: operator + approver, started every run. bob: approver. outsider: admin, whom a gate
 * limited to the approver role does not name (admins hold run control, so they may still cancel).
 * For N = 2, ann (approver) approves first; the actor's decision would be the second.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DECISION_ACTIONS, type DecisionAction } from "~/engine/approvals/gate-actions";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { Worker } from "~/server/worker/worker";
import { decideApproval, listApprovals } from "./approvals";
import { startRun } from "./runs";
import { saveWorkflow } from "./workflows";

const people: Record<"starter" | "ann" | "bob" | "outsider" | "viewer" | "operator", Actor> = {} as never;
type Who = "starter" | "bob" | "outsider";

const FLOW = (name: string, n: number, extra = "") => `name: ${name}
steps:
  - id: build
    type: noop
    params: { output: { artifact: app.tgz } }
    approval: { approvers: { roles: [approver] }, min_approvals: ${n}, editable: [build.output, build.params.output]${extra} }
  - { id: ship, type: noop, needs: [build] }
`;

async function until<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function pendingGate(workflow: string) {
  const run = await startRun(people.starter, { workflow, approvalMode: "interactive" });
  const gate = await until(async () => (await listApprovals(people.ann, { runId: run.id, status: "pending" }))[0]);
  return { runId: run.id, gate };
}

const runStatus = async (runId: string) => (await db.run.findUniqueOrThrow({ where: { id: runId } })).status;
const runEnd = (runId: string) => until(async () => ((s) => (["succeeded", "failed", "cancelled"].includes(s) ? s : undefined))(await runStatus(runId)));

/** What each action sends: modify a new output, retry new params (both editable at this gate). */
const input = (id: string, action: DecisionAction) => ({
  id,
  action,
  comment: `${action} by matrix`,
  ...(action === "modify" ? { payload: { artifact: "patched.tgz" } } : {}),
  ...(action === "retry" ? { payload: { output: { artifact: "rebuilt.tgz" } } } : {}),
});

type Expect =
  | { refused: "self_approval" | "not_in_policy" | "no_permission" | "quorum_first" | "already_approved" }
  | { gate: string; run: "succeeded" | "failed" | "cancelled" | "regated" | "waiting_approval" };

/** The outcome of an allowed action on the gate and the run (independent of who took it). */
const ALLOWED: Record<DecisionAction, Expect> = {
  approve: { gate: "approved", run: "succeeded" },
  modify: { gate: "modified", run: "succeeded" },
  skip: { gate: "skipped", run: "succeeded" },
  retry: { gate: "retried", run: "regated" },
  reject: { gate: "rejected", run: "failed" },
  cancel: { gate: "cancelled", run: "cancelled" },
};

/** Who may take which action: the same for N = 1 and N = 2 (after a first approval by ann). */
const MATRIX: Record<Who, Record<DecisionAction, Expect>> = {
  starter: {
    approve: { refused: "self_approval" },
    modify: { refused: "self_approval" },
    skip: { refused: "self_approval" },
    retry: { refused: "self_approval" },
    reject: ALLOWED.reject,
    cancel: ALLOWED.cancel, // the starter is an operator: run control
  },
  bob: { ...ALLOWED, cancel: { refused: "no_permission" } }, // an approver holds no run control
  outsider: {
    approve: { refused: "not_in_policy" },
    modify: { refused: "not_in_policy" },
    skip: { refused: "not_in_policy" },
    retry: { refused: "not_in_policy" },
    reject: { refused: "not_in_policy" },
    cancel: ALLOWED.cancel,
  },
};

async function assertCase(who: Who, action: DecisionAction, n: 1 | 2, expected: Expect, prior: "ann" | "none") {
  const { runId, gate } = await pendingGate(`quorum${n}`);
  if (prior === "ann") expect((await decideApproval(people.ann, { id: gate.id, action: "approve" })).status).toBe("pending");
  const before = await db.approvalDecision.count({ where: { approvalId: gate.id } });
  const attempt = decideApproval(people[who], input(gate.id, action));
  if ("refused" in expected) {
    await expect(attempt).rejects.toMatchObject({ code: "FORBIDDEN", details: { code: expected.refused } });
    // Nothing moved: no decision recorded, the gate pending, the run waiting on it.
    expect(await db.approvalDecision.count({ where: { approvalId: gate.id } })).toBe(before);
    expect((await db.approval.findUniqueOrThrow({ where: { id: gate.id } })).status).toBe("pending");
    expect(await runStatus(runId)).toBe("waiting_approval");
    await decideApproval(people.outsider, { id: gate.id, action: "cancel" }); // tidy up
    return;
  }
  const decided = await attempt;
  expect(decided.status).toBe(expected.gate);
  expect(decided.decisions.at(-1)).toMatchObject({ actor: people[who].email, action });
  if (expected.run === "waiting_approval") {
    expect(await runStatus(runId)).toBe("waiting_approval");
    return;
  }
  if (expected.run === "regated") {
    const again = await until(async () => (await listApprovals(people.ann, { runId, status: "pending" }))[0]);
    expect(again).toMatchObject({ attempt: gate.attempt + 1, output: { artifact: "rebuilt.tgz" }, approvals: { count: 0, needed: n } });
    await decideApproval(people.outsider, { id: again.id, action: "cancel" });
    return;
  }
  expect(await runEnd(runId)).toBe(expected.run);
  const build = JSON.parse((await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "build" } } })).state) as { status: string; output?: unknown };
  if (action === "modify") expect(build.output).toEqual({ artifact: "patched.tgz" });
  if (action === "skip") expect(build.status).toBe("skipped");
}

describe("gate policy: every action × starter, second approver, outsider × N = 1, 2", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Policy");
    people.starter = await createUserWithRoles(team.id, "starter@x.io", ["operator", "approver"]);
    people.ann = await createUserWithRoles(team.id, "ann@x.io", ["approver"]);
    people.bob = await createUserWithRoles(team.id, "bob@x.io", ["approver"]);
    people.outsider = await createUserWithRoles(team.id, "admin@x.io", ["admin"]);
    people.viewer = await createUserWithRoles(team.id, "vic@x.io", ["viewer"]);
    await saveWorkflow(team, { yaml: FLOW("quorum1", 1) });
    await saveWorkflow(team, { yaml: FLOW("quorum2", 2) });
    await saveWorkflow(team, { yaml: FLOW("escalating", 1, ", escalate: { after: 400ms, roles: [admin] }") });
    await saveWorkflow(team, { yaml: FLOW("selfish", 1, ", allow_self_approval: true") });
    people.operator = await createUserWithRoles(team.id, "op@x.io", ["operator"]);
    const w = new Worker({ store: engineStore(), executors: { noop: { execute: async (e) => ({ ok: true, output: (e.params as { output?: never })?.output ?? {} }) } }, pollMs: 10 }).start();
    return () => w.stop(2000);
  });

  for (const n of [1, 2] as const) {
    for (const who of ["starter", "bob", "outsider"] as const) {
      for (const action of DECISION_ACTIONS) {
        const expected = MATRIX[who][action];
        const says = "refused" in expected ? `refused (${expected.refused})` : `allowed: gate ${expected.gate}, run ${expected.run}`;
        it(`N=${n}: ${who} ${action} → ${says}`, () => assertCase(who, action, n, expected, n === 2 ? "ann" : "none"));
      }
    }
  }

  // The bypasses of old: with N = 2 one modify or one skip completed the gate.
  const FIRST_OF_TWO: Record<DecisionAction, Expect> = {
    approve: { gate: "pending", run: "waiting_approval" },
    modify: { refused: "quorum_first" },
    skip: { refused: "quorum_first" },
    retry: ALLOWED.retry,
    reject: ALLOWED.reject,
    cancel: { refused: "no_permission" },
  };
  for (const action of DECISION_ACTIONS) {
    const expected = FIRST_OF_TWO[action];
    it(`N=2, first decision: bob ${action} → ${"refused" in expected ? `refused (${expected.refused})` : `gate ${expected.gate}`}`, () => assertCase("bob", action, 2, expected, "none"));
  }

  it("N=2: whoever approved first cannot be the second approval, by any counting action", async () => {
    const { gate } = await pendingGate("quorum2");
    await decideApproval(people.ann, { id: gate.id, action: "approve" });
    for (const action of ["approve", "modify", "skip"] as const) {
      await expect(decideApproval(people.ann, input(gate.id, action))).rejects.toMatchObject({ code: "FORBIDDEN", details: { code: "already_approved" } });
    }
    const after = await listApprovals(people.ann, { runId: gate.runId });
    expect(after[0]).toMatchObject({ status: "pending", approvals: { count: 1, needed: 2 } });
    // ...while the next person sees every counting action open to them
    const [asBob] = await listApprovals(people.bob, { runId: gate.runId });
    expect(asBob?.actions).toMatchObject({ approve: { ok: true }, modify: { ok: true }, skip: { ok: true }, cancel: { ok: false, code: "no_permission" } });
    await decideApproval(people.outsider, { id: gate.id, action: "cancel" });
  });

  it("a viewer may take no action; another team's caller finds no gate", async () => {
    const { gate } = await pendingGate("quorum1");
    for (const action of DECISION_ACTIONS) {
      await expect(decideApproval(people.viewer, input(gate.id, action)), action).rejects.toMatchObject({ code: "FORBIDDEN", details: { code: "no_permission" } });
    }
    const other = await createTeam("Other");
    const stranger = await createUserWithRoles(other.id, "stranger@y.io", ["admin"]);
    await expect(decideApproval(stranger, input(gate.id, "cancel"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await decideApproval(people.outsider, { id: gate.id, action: "cancel" });
  });

  it("the escalated roles may decide once the escalation is due, and are told when", async () => {
    const { runId, gate } = await pendingGate("escalating");
    const [early] = await listApprovals(people.outsider, { runId });
    expect(early?.canDecide).toMatchObject({ ok: false, code: "not_in_policy", reason: expect.stringContaining("it escalates to admin after 400ms") });
    expect(early?.deciders).toEqual({ roles: ["approver"], users: [], escalated: false });
    await expect(decideApproval(people.outsider, { id: gate.id, action: "approve" })).rejects.toMatchObject({ details: { code: "not_in_policy" } });
    await new Promise((r) => setTimeout(r, 450));
    const [late] = await listApprovals(people.outsider, { runId });
    expect(late?.deciders).toEqual({ roles: ["approver", "admin"], users: [], escalated: true });
    expect(late?.canDecide).toEqual({ ok: true });
    expect((await decideApproval(people.outsider, { id: gate.id, action: "approve" })).status).toBe("approved");
    expect(await runEnd(runId)).toBe("succeeded");
  });

  it("auto mode is the starter approving: refused at the start for a gate they could not pass alone", async () => {
    await expect(startRun(people.starter, { workflow: "quorum1", approvalMode: "auto" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining('Auto mode cannot pass the gate of "build": You started this run'),
      details: { code: "auto_mode_refused", step: "build", reason: "self_approval" },
    });
    await expect(startRun(people.starter, { workflow: "quorum2", approvalMode: "auto" })).rejects.toMatchObject({ details: { code: "auto_mode_refused" } });
    await expect(startRun(people.operator, { workflow: "selfish", approvalMode: "auto" })).rejects.toMatchObject({ details: { code: "auto_mode_refused", reason: "no_permission" } });
    expect(await db.run.count({ where: { approvalMode: "auto" } })).toBe(0);
    // A gate that lets its starter approve alone: auto mode passes it, recorded as such.
    const run = await startRun(people.starter, { workflow: "selfish", approvalMode: "auto" });
    expect(await runEnd(run.id)).toBe("succeeded");
    expect(await db.approval.findFirstOrThrow({ where: { runId: run.id } })).toMatchObject({ status: "approved", decidedBy: "auto mode" });
  });

  it("auto mode for a starter who may edit the workflow (admin) passes every gate: they could remove the gates anyway", async () => {
    const run = await startRun(people.outsider, { workflow: "quorum2", approvalMode: "auto" });
    expect(await runEnd(run.id)).toBe("succeeded");
    expect(await db.approval.findFirstOrThrow({ where: { runId: run.id } })).toMatchObject({ status: "approved", decidedBy: "auto mode" });
  });
});
