/**
 * What a decision carries, through the service on a real database and a real worker: a human
 * stage's form (values checked, defaults, output for downstream), modify with new params for the
 * next steps (checked, diff recorded, used at execution), retry with new params (checked, used),
 * the inbox's filters and badge count, refusal codes, and the artifacts of a gated shell step.
 *
 *   form:    signoff (approval + form) ──► ship (shell: echo {{ steps.signoff.output.env }})
 *   held:    build (shell, approval: editable build.params.env.ARTIFACT, deploy.params.env.STAGE;
 *                   writes $WF_ARTIFACTS/report.txt) ──► deploy (shell)
 *                                                    └─► notify (noop)
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { artifactsDir } from "~/server/executors/artifacts-dir";
import { createNoopExecutor, createShellExecutor } from "~/server/executors";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { Worker } from "~/server/worker/worker";
import { decideApproval, gateContext, listApprovals, pendingCount } from "./approvals";
import { listAudit } from "./audit/list-audit";
import { listArtifacts, openArtifact } from "./artifacts";
import { startRun } from "./runs";
import { saveWorkflow } from "./workflows";

let starter: Actor;
let ann: Actor;
let viewer: Actor;
let outsider: Actor;
let ops: Actor;

const FORM = `name: form
steps:
  - id: signoff
    type: approval
    approval:
      form:
        - { name: env, label: Environment, type: select, options: [staging, prod], required: true }
        - { name: replicas, type: number, default: 2 }
        - { name: notes, type: text }
        - { name: smoke, type: boolean, default: true }
  - { id: ship, type: shell, needs: [signoff], params: { command: "echo shipping to {{ steps.signoff.output.env }} x{{ steps.signoff.output.replicas }}" } }
`;

/** build writes its output from $ARTIFACT (editable at its gate); deploy reads $STAGE (editable). */
const BUILD_COMMAND = `printf '{"artifact":"%s"}' "\${ARTIFACT:-app.tgz}" > "$WF_OUTPUT"; echo built $WF_ATTEMPT > "$WF_ARTIFACTS/report.txt"; mkdir -p "$WF_ARTIFACTS/logs"; echo x > "$WF_ARTIFACTS/logs/a.log"`;
const DEPLOY_COMMAND = "echo deploying {{ steps.build.output.artifact }} to $STAGE";

const HELD = `name: held
steps:
  - id: build
    type: shell
    params: { command: ${JSON.stringify(BUILD_COMMAND)} }
    approval: { editable: [build.params.env.ARTIFACT, deploy.params.env.STAGE] }
  - { id: deploy, type: shell, needs: [build], params: { command: ${JSON.stringify(DEPLOY_COMMAND)}, env: { STAGE: prod } } }
  - { id: notify, type: noop, needs: [build] }
`;

async function until<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pendingGate(workflow: string) {
  const run = await startRun(starter, { workflow, approvalMode: "interactive" });
  const gate = await until(async () => (await listApprovals(ann, { runId: run.id, status: "pending" }))[0]);
  return { runId: run.id, gate };
}

async function runEnd(runId: string) {
  return until(async () => {
    const r = await db.run.findUniqueOrThrow({ where: { id: runId } });
    return ["succeeded", "failed", "cancelled"].includes(r.status) ? r.status : undefined;
  });
}

/** What shell steps printed (the executor's log sink; the worker's runtime stores these). */
const printed: { runId: string; stepId: string; line: string }[] = [];
async function logText(runId: string, stepId: string) {
  await until(async () => (printed.some((l) => l.runId === runId && l.stepId === stepId) ? true : undefined));
  return printed.filter((l) => l.runId === runId && l.stepId === stepId).map((l) => l.line).join("\n");
}

describe("what gate decisions carry", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Payloads");
    starter = await createUserWithRoles(team.id, "starter@x.io", ["operator", "approver"]);
    ann = await createUserWithRoles(team.id, "ann@x.io", ["approver"]);
    viewer = await createUserWithRoles(team.id, "vic@x.io", ["viewer"]);
    const other = await createTeam("Elsewhere");
    outsider = await createUserWithRoles(other.id, "out@y.io", ["admin"]);
    ops = await createUserWithRoles(team.id, "ops@x.io", ["operator"]);
    await saveWorkflow(team, { yaml: FORM });
    await saveWorkflow(team, { yaml: HELD });
    const w = new Worker({
      store: engineStore(),
      executors: { noop: createNoopExecutor(), shell: createShellExecutor({ dataDir: env.dataDir, baseEnv: { PATH: "/usr/local/bin:/usr/bin:/bin" }, onLog: (l) => printed.push(l) }) },
      pollMs: 10,
    }).start();
    return () => w.stop(2000);
  });

  describe("a human stage's form", () => {
    it("refuses bad values with a message naming the field, and records nothing", async () => {
      const { gate } = await pendingGate("form");
      await expect(decideApproval(ann, { id: gate.id, action: "approve" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: 'Form: "Environment" (env) is required.' });
      await expect(decideApproval(ann, { id: gate.id, action: "approve", payload: { env: "dev" } })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining('"Environment" (env) must be one of "staging", "prod"'),
      });
      await expect(decideApproval(ann, { id: gate.id, action: "approve", payload: { env: "prod", replicas: "three" } })).rejects.toMatchObject({ message: expect.stringContaining('"replicas" must be a number') });
      await expect(decideApproval(ann, { id: gate.id, action: "approve", payload: { env: "prod", smoke: "yes" } })).rejects.toMatchObject({ message: expect.stringContaining('"smoke" must be true or false') });
      await expect(decideApproval(ann, { id: gate.id, action: "approve", payload: { env: "prod", color: "red" } })).rejects.toMatchObject({ message: expect.stringContaining('no field "color"') });
      expect(await db.approvalDecision.count({ where: { approvalId: gate.id } })).toBe(0);
      expect((await db.approval.findUniqueOrThrow({ where: { id: gate.id } })).status).toBe("pending");
    });

    it("good values (defaults applied) become the step's output, and downstream templates read them", async () => {
      const { runId, gate } = await pendingGate("form");
      const decided = await decideApproval(ann, { id: gate.id, action: "approve", payload: { env: "prod", replicas: "3", notes: "after the freeze" } });
      expect(decided.decisions[0]?.form).toEqual({ env: "prod", replicas: 3, notes: "after the freeze", smoke: true });
      expect(await runEnd(runId)).toBe("succeeded");
      const signoff = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "signoff" } } });
      expect(JSON.parse(signoff.state).output).toEqual({ approved: true, by: "ann@x.io", comment: null, env: "prod", replicas: 3, notes: "after the freeze", smoke: true });
      expect(await logText(runId, "ship")).toContain("shipping to prod x3");
    });

    it("a gate without a form takes no approve payload; skip, reject and cancel take none either", async () => {
      const { gate } = await pendingGate("held");
      await expect(decideApproval(ann, { id: gate.id, action: "approve", payload: { x: 1 } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("no form") });
      await expect(decideApproval(ann, { id: gate.id, action: "skip", payload: { x: 1 } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await decideApproval(ops, { id: gate.id, action: "cancel" });
    });
  });

  describe("modify: the next steps' params", () => {
    it("shows the next steps with their params in the gate's context", async () => {
      const { gate } = await pendingGate("held");
      const ctx = await gateContext(ann, gate.id);
      expect(ctx.type).toBe("shell");
      expect(ctx.params).toMatchObject({ command: expect.stringContaining("WF_ARTIFACTS") });
      expect(ctx.next).toEqual([
        { id: "deploy", type: "shell", status: "pending", params: { command: DEPLOY_COMMAND, env: { STAGE: "prod" } } },
        { id: "notify", type: "noop", status: "pending", params: {} },
      ]);
      await expect(gateContext(outsider, gate.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await decideApproval(ops, { id: gate.id, action: "cancel" });
    });

    it("refuses params that do not fit the step type, fields not editable, and steps that do not run next, naming them", async () => {
      const { gate } = await pendingGate("held");
      await expect(decideApproval(ann, { id: gate.id, action: "modify", nextParams: { deploy: { command: DEPLOY_COMMAND, env: { STAGE: 5 } } } })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining('Invalid params for step "deploy" (shell) at params.env.STAGE'),
      });
      await expect(decideApproval(ann, { id: gate.id, action: "modify", nextParams: { deploy: { comand: "typo" } } })).rejects.toMatchObject({ code: "FORBIDDEN", details: { code: "not_editable", field: "deploy.params.command" } });
      await expect(decideApproval(ann, { id: gate.id, action: "modify", nextParams: { build: { command: "x" } } })).rejects.toMatchObject({
        message: 'Step "build" does not run right after build: only deploy, notify can get new params here.',
      });
      await expect(decideApproval(ann, { id: gate.id, action: "modify" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("nextParams") });
      await expect(decideApproval(ann, { id: gate.id, action: "approve", nextParams: { deploy: { command: "x" } } })).rejects.toMatchObject({ message: "nextParams go with modify only." });
      expect(await db.approvalDecision.count({ where: { approvalId: gate.id } })).toBe(0);
      await decideApproval(ops, { id: gate.id, action: "cancel" });
    });

    it("records the diff (decision and audit) and the run continues with the new params", async () => {
      const { runId, gate } = await pendingGate("held");
      const decided = await decideApproval(ann, {
        id: gate.id,
        action: "modify",
        comment: "canary first",
        nextParams: { deploy: { command: DEPLOY_COMMAND, env: { STAGE: "canary" } } },
      });
      expect(decided.decisions[0]).toMatchObject({
        action: "modify",
        nextParams: { deploy: { before: { command: DEPLOY_COMMAND, env: { STAGE: "prod" } }, after: { command: DEPLOY_COMMAND, env: { STAGE: "canary" } } } },
      });
      expect(await runEnd(runId)).toBe("succeeded");
      expect(await logText(runId, "deploy")).toContain("deploying app.tgz to canary");
      const build = await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "build" } } });
      expect(JSON.parse(build.state).output).toEqual({ artifact: "app.tgz" }); // no payload: the output stays
      const audit = (await listAudit(ann, {})).filter((a) => a.action === "gate.decided" && a.targetId.startsWith(runId));
      expect(audit[0]?.before).toMatchObject({ nextParams: { deploy: { env: { STAGE: "prod" } } } });
      expect(audit[0]?.after).toMatchObject({ action: "modify", nextParams: { deploy: { env: { STAGE: "canary" } } } });
    });
  });

  describe("retry with new params", () => {
    it("checks them against the step type, then runs the step with them and gates again", async () => {
      const { runId, gate } = await pendingGate("held");
      await expect(decideApproval(ann, { id: gate.id, action: "retry", payload: { command: BUILD_COMMAND, env: { ARTIFACT: 42 } } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("params.env.ARTIFACT") });
      await decideApproval(ann, { id: gate.id, action: "retry", payload: { command: BUILD_COMMAND, env: { ARTIFACT: "v2.tgz" } } });
      const again = await until(async () => (await listApprovals(ann, { runId, status: "pending" }))[0]);
      expect(again.attempt).toBe(2);
      expect(again.output).toEqual({ artifact: "v2.tgz" });
      expect((await gateContext(ann, again.id)).params).toEqual({ command: BUILD_COMMAND, env: { ARTIFACT: "v2.tgz" } });
      await decideApproval(ann, { id: again.id, action: "approve" });
      expect(await runEnd(runId)).toBe("succeeded");
      expect(await logText(runId, "deploy")).toContain("deploying v2.tgz");
    });

    it("a human stage takes no retry params", async () => {
      const { gate } = await pendingGate("form");
      await expect(decideApproval(ann, { id: gate.id, action: "retry", payload: { message: "x" } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("human stage") });
      await decideApproval(ops, { id: gate.id, action: "cancel" });
    });
  });

  describe("what the inbox and the header ask", () => {
    it("canDecide carries a reason code; status=decided lists every decided gate; the badge counts what I can decide", async () => {
      const { gate } = await pendingGate("held");
      const [asStarter] = await listApprovals(starter, { runId: gate.runId });
      expect(asStarter?.canDecide).toMatchObject({ ok: false, code: "self_approval" });
      const [asViewer] = await listApprovals(viewer, { runId: gate.runId });
      expect(asViewer?.canDecide).toMatchObject({ ok: false, code: "no_permission" });
      const before = await pendingCount(ann);
      expect(before.canDecide).toBeGreaterThanOrEqual(1);
      // The starter (an approver too) started every run here: nothing to decide, the same total.
      expect(await pendingCount(starter)).toEqual({ canDecide: 0, total: before.total });
      expect((await pendingCount(viewer)).canDecide).toBe(0);
      expect(await pendingCount(outsider)).toEqual({ canDecide: 0, total: 0 });

      await decideApproval(ann, { id: gate.id, action: "reject" });
      const [decidedAsAnn] = await listApprovals(ann, { runId: gate.runId });
      expect(decidedAsAnn?.canDecide).toMatchObject({ ok: false, code: "already_decided" });
      const decided = await listApprovals(ann, { status: "decided" });
      expect(decided.length).toBeGreaterThan(0);
      expect(decided.every((a) => a.status !== "pending")).toBe(true);
      expect(decided.map((a) => a.id)).toContain(gate.id);
      expect((await pendingCount(ann)).canDecide).toBe(before.canDecide - 1);
      expect(await listApprovals(outsider, { status: "decided" })).toEqual([]);
    });
  });

  describe("artifacts of a gated shell step", () => {
    it("are listed at the gate and on the run, per attempt, and opened only inside their directory", async () => {
      const { runId, gate } = await pendingGate("held");
      const ctx = await gateContext(ann, gate.id);
      expect(ctx.artifacts).toEqual({ attempt: 1, items: [{ name: "logs/a.log", size: 2 }, { name: "report.txt", size: 8 }] });
      expect(await listArtifacts(viewer, { id: runId, stepId: "build" })).toEqual(ctx.artifacts);
      const file = await openArtifact(viewer, { id: runId, stepId: "build", attempt: 1, name: "logs/a.log" });
      expect(file.size).toBe(2);
      await file.handle.close();

      // Escapes: `..`, absolute-looking names, and a symbolic link a step left pointing out.
      const dir = artifactsDir(env.dataDir, runId, "build", 1);
      writeFileSync(join(env.dataDir, "secret.txt"), "server secret");
      symlinkSync(join(env.dataDir, "secret.txt"), join(dir, "leak.txt"));
      mkdirSync(join(dir, "sub"), { recursive: true });
      for (const name of ["../../../../secret.txt", "../1/report.txt", "/etc/passwd", "sub/../../1/report.txt", "leak.txt", "sub", "", "a\\..\\b", "missing.txt"]) {
        await expect(openArtifact(ann, { id: runId, stepId: "build", attempt: 1, name }), name).rejects.toMatchObject({ code: "NOT_FOUND" });
      }
      // The link is not listed either; another team's caller finds nothing.
      expect((await listArtifacts(ann, { id: runId, stepId: "build" })).items.map((i) => i.name)).toEqual(["logs/a.log", "report.txt"]);
      await expect(listArtifacts(outsider, { id: runId, stepId: "build" })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(openArtifact(outsider, { id: runId, stepId: "build", attempt: 1, name: "report.txt" })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(listArtifacts(ann, { id: runId, stepId: "build", attempt: 2 })).rejects.toMatchObject({ code: "NOT_FOUND" });

      // A retry writes its files to a new directory; the first attempt's stay as they were.
      await decideApproval(ann, { id: gate.id, action: "retry" });
      const again = await until(async () => (await listApprovals(ann, { runId, status: "pending" }))[0]);
      expect((await gateContext(ann, again.id)).artifacts).toEqual({ attempt: 2, items: [{ name: "logs/a.log", size: 2 }, { name: "report.txt", size: 8 }] });
      expect((await listArtifacts(ann, { id: runId, stepId: "build", attempt: 1 })).items).toHaveLength(2);
      await decideApproval(ops, { id: again.id, action: "cancel" });
    });
  });
});
