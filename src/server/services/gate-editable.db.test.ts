/**
 * Approvers cannot run code: attacks on what a decision carries, through the service and over REST
 * (`POST /api/v1/approvals/{id}/decisions`), on a real database and a real shell worker. Only the
 * fields the gate lists in `approval.editable` change; a changed value is never a template; a
 * form's values are checked on every action that carries them; a decision has a size limit.
 *
 *   held:  build (shell, gate: editable build.output.artifact, build.params.env.VERSION,
 *                 deploy.params.env.REPLICAS) ──► deploy (shell: echo replicas=$REPLICAS)
 *   plain: build (noop, gate: nothing editable) ──► ship (noop)
 *   stage: signoff (approval, form: env select required) ──► ship (noop)
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { POST } from "~/app/api/v1/[...path]/route";
import { env } from "~/env";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { createNoopExecutor, createShellExecutor } from "~/server/executors";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { Worker } from "~/server/worker/worker";
import { decideApproval, listApprovals } from "./approvals";
import { startRun } from "./runs";
import { createToken } from "./tokens";
import { saveWorkflow } from "./workflows";

let starter: Actor;
let ann: Actor;
let admin: Actor;
let annToken: string;

const PWNED = () => join(env.dataDir, "pwned");

const HELD = `name: held
steps:
  - id: build
    type: shell
    params: { command: "printf '{\\"artifact\\":\\"app-%s.tgz\\"}' \\"\${VERSION:-1}\\" > \\"$WF_OUTPUT\\"" }
    approval: { editable: [build.output.artifact, build.params.env.VERSION, deploy.params.env.REPLICAS] }
  - { id: deploy, type: shell, needs: [build], params: { command: "echo replicas=$REPLICAS", env: { REPLICAS: "2" } } }
`;
const PLAIN = `name: plain
steps:
  - { id: build, type: noop, params: { output: { artifact: app.tgz } }, approval: {} }
  - { id: ship, type: noop, needs: [build] }
`;
const STAGE = `name: stage
steps:
  - id: signoff
    type: approval
    approval:
      form: [{ name: env, type: select, options: [staging, prod], required: true }]
  - { id: ship, type: noop, needs: [signoff], params: { output: { target: "{{ steps.signoff.output.env }}" } } }
`;
const DEPLOY_COMMAND = "echo replicas=$REPLICAS";

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

const runEnd = (runId: string) => until(async () => ((s) => (["succeeded", "failed", "cancelled"].includes(s) ? s : undefined))((await db.run.findUniqueOrThrow({ where: { id: runId } })).status));
const output = async (runId: string, stepId: string) => (JSON.parse((await db.stepRun.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId } } })).state) as { output?: unknown }).output;
const printed: { runId: string; stepId: string; line: string }[] = [];

/** The gate is as it was: pending, nothing recorded. */
async function untouched(gateId: string) {
  expect((await db.approval.findUniqueOrThrow({ where: { id: gateId } })).status).toBe("pending");
  expect(await db.approvalDecision.count({ where: { approvalId: gateId } })).toBe(0);
}

function rest(id: string, body: unknown, token = annToken) {
  return POST(
    new Request(`http://127.0.0.1/api/v1/approvals/${encodeURIComponent(id)}/decisions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

describe("approvers cannot run code", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Editable");
    starter = await createUserWithRoles(team.id, "starter@x.io", ["operator"]);
    ann = await createUserWithRoles(team.id, "ann@x.io", ["approver"]);
    admin = await createUserWithRoles(team.id, "admin@x.io", ["admin"]);
    annToken = (await createToken(admin, { name: "ann-cli", role: "approver", user: ann.userId })).secret;
    for (const yaml of [HELD, PLAIN, STAGE]) await saveWorkflow(team, { yaml });
    const w = new Worker({
      store: engineStore(),
      executors: { noop: createNoopExecutor(), shell: createShellExecutor({ dataDir: env.dataDir, baseEnv: { PATH: "/usr/local/bin:/usr/bin:/bin" }, onLog: (l) => printed.push(l) }) },
      pollMs: 10,
    }).start();
    return () => w.stop(2000);
  });

  describe("through the service", () => {
    it.each([
      ["the next step's command", { nextParams: { deploy: { command: `touch ${PWNED()}`, env: { REPLICAS: "2" } } } }, "deploy.params.command"],
      ["the next step's argv instead of its command", { nextParams: { deploy: { argv: ["sh", "-c", `touch ${PWNED()}`], env: { REPLICAS: "2" } } } }, "deploy.params.command"],
      ["a loader variable of the next step", { nextParams: { deploy: { command: DEPLOY_COMMAND, env: { REPLICAS: "2", LD_PRELOAD: "/tmp/x.so" } } } }, "deploy.params.env.LD_PRELOAD"],
      ["the next step's working directory", { nextParams: { deploy: { command: DEPLOY_COMMAND, env: { REPLICAS: "2" }, cwd: "/" } } }, "deploy.params.cwd"],
      ["an output field not listed", { payload: { artifact: "x.tgz", signed: true } }, "build.output.signed"],
    ])("modify refuses %s, naming the field, and records nothing", async (_what, change, field) => {
      const { gate } = await pendingGate("held");
      await expect(decideApproval(ann, { id: gate.id, action: "modify", ...change })).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: `${field} is not editable at this gate: it lets approvers change only build.output.artifact, build.params.env.VERSION, deploy.params.env.REPLICAS.`,
        details: { code: "not_editable", field },
      });
      await untouched(gate.id);
      await decideApproval(admin, { id: gate.id, action: "cancel" });
    });

    it("retry refuses a new command for the gated step; listed params go through and reach the shell as data", async () => {
      const { runId, gate } = await pendingGate("held");
      const current = { command: "printf '{\"artifact\":\"app-%s.tgz\"}' \"${VERSION:-1}\" > \"$WF_OUTPUT\"" };
      await expect(decideApproval(ann, { id: gate.id, action: "retry", payload: { command: `touch ${PWNED()}` } })).rejects.toMatchObject({ code: "FORBIDDEN", details: { code: "not_editable", field: "build.params.command" } });
      await expect(decideApproval(ann, { id: gate.id, action: "retry", payload: { ...current, env: { VERSION: "{{ inputs.token }}" } } })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        details: { code: "template_in_value", field: "build.params.env.VERSION" },
      });
      await expect(decideApproval(ann, { id: gate.id, action: "retry", payload: { ...current, env: { VERSION: 2 } } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("params.env.VERSION") });
      await untouched(gate.id);
      // A hostile value in a listed field is only data for the shell: no file appears.
      await decideApproval(ann, { id: gate.id, action: "retry", payload: { ...current, env: { VERSION: `$(touch ${PWNED()})` } } });
      const again = await until(async () => (await listApprovals(ann, { runId, status: "pending" }))[0]);
      expect(again.output).toEqual({ artifact: `app-$(touch ${PWNED()}).tgz` });
      await decideApproval(ann, { id: again.id, action: "modify", payload: { artifact: "app-2.tgz" }, nextParams: { deploy: { command: DEPLOY_COMMAND, env: { REPLICAS: "5" } } } });
      expect(await runEnd(runId)).toBe("succeeded");
      expect(await output(runId, "build")).toEqual({ artifact: "app-2.tgz" });
      await until(async () => (printed.some((l) => l.runId === runId && l.stepId === "deploy") ? true : undefined));
      expect(printed.filter((l) => l.runId === runId && l.stepId === "deploy").map((l) => l.line)).toEqual(["replicas=5"]);
      expect(existsSync(PWNED())).toBe(false);
    });

    it("a gate that lists nothing lets nothing change, and says so", async () => {
      const { gate } = await pendingGate("plain");
      await expect(decideApproval(ann, { id: gate.id, action: "modify", payload: { artifact: "evil.tgz" } })).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: "build.output.artifact is not editable at this gate: it lists nothing an approver may change (approval.editable).",
      });
      await expect(decideApproval(ann, { id: gate.id, action: "retry", payload: { output: { artifact: "evil.tgz" } } })).rejects.toMatchObject({ details: { code: "not_editable", field: "build.params.output.artifact" } });
      await expect(decideApproval(ann, { id: gate.id, action: "modify", nextParams: { ship: { output: 1 } } })).rejects.toMatchObject({ details: { code: "not_editable", field: "ship.params.output" } });
      await untouched(gate.id);
      // an unchanged payload is no change
      expect((await decideApproval(ann, { id: gate.id, action: "modify", payload: { artifact: "app.tgz" } })).status).toBe("modified");
    });

    it("a human stage's form is checked on modify as on approve; its output is never set directly", async () => {
      const { runId, gate } = await pendingGate("stage");
      await expect(decideApproval(ann, { id: gate.id, action: "modify", payload: { approved: true, env: "anything" } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("human stage") });
      await expect(decideApproval(ann, { id: gate.id, action: "modify", form: { env: "dev" } })).rejects.toMatchObject({ code: "BAD_REQUEST", details: { code: "invalid_form", field: "env" } });
      await expect(decideApproval(ann, { id: gate.id, action: "modify", nextParams: { ship: { output: { target: "x" } } } })).rejects.toMatchObject({ details: { code: "invalid_form", field: "env" } });
      await expect(decideApproval(ann, { id: gate.id, action: "approve", form: { env: "prod", extra: 1 } })).rejects.toMatchObject({ details: { code: "invalid_form", field: "extra" } });
      await expect(decideApproval(ann, { id: gate.id, action: "reject", form: { env: "prod" } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("reject takes no form values") });
      await untouched(gate.id);
      const decided = await decideApproval(ann, { id: gate.id, action: "modify", form: { env: "staging" }, comment: "staging first" });
      expect(decided.decisions[0]).toMatchObject({ action: "modify", form: { env: "staging" }, comment: "staging first" });
      expect(await runEnd(runId)).toBe("succeeded");
      expect(await output(runId, "signoff")).toEqual({ approved: true, by: "ann@x.io", comment: "staging first", env: "staging" });
      expect(await output(runId, "ship")).toEqual({ target: "staging" });
    });
  });

  describe("over REST", () => {
    it("answers 403 with the field and a code, 400 for a template, and nothing runs", async () => {
      const { gate } = await pendingGate("held");
      const res = await rest(gate.id, { action: "modify", nextParams: { deploy: { command: `touch ${PWNED()}`, env: { REPLICAS: "2" } } } });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("deploy.params.command is not editable"), data: { details: { code: "not_editable", field: "deploy.params.command" } } });
      const retry = await rest(gate.id, { action: "retry", payload: { command: "id" } });
      expect(retry.status).toBe(403);
      const templ = await rest(gate.id, { action: "modify", nextParams: { deploy: { command: DEPLOY_COMMAND, env: { REPLICAS: "{{ inputs.x }}" } } } });
      expect(templ.status).toBe(400);
      expect(await templ.json()).toMatchObject({ data: { details: { code: "template_in_value", field: "deploy.params.env.REPLICAS" } } });
      await untouched(gate.id);
      expect(existsSync(PWNED())).toBe(false);
      await decideApproval(admin, { id: gate.id, action: "cancel" });
    });

    it("refuses a decision over 1 MiB with 413, and a comment over 10,000 characters with 400", async () => {
      const { gate } = await pendingGate("held");
      const big = await rest(gate.id, { action: "modify", payload: { artifact: "x".repeat(1024 * 1024) } });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: expect.stringMatching(/^This decision carries 1,048,6\d\d bytes .*; a decision carries at most 1,048,576 bytes \(1 MiB\)\.$/), data: { details: { code: "decision_too_large", limit: 1048576 } } });
      const long = await rest(gate.id, { action: "approve", comment: "y".repeat(10_001) });
      expect(long.status).toBe(400);
      expect(JSON.stringify(await long.json())).toContain("A comment has at most 10,000 characters.");
      await untouched(gate.id);
      // Right at the limits it goes through.
      const ok = await rest(gate.id, { action: "approve", comment: "y".repeat(10_000) });
      expect(ok.status).toBe(200);
    });

    it("an approver's token cannot cancel the run at a gate (no run control); an admin's can", async () => {
      const { runId, gate } = await pendingGate("plain");
      const res = await rest(gate.id, { action: "cancel" });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ data: { details: { code: "no_permission" } } });
      const adminToken = (await createToken(admin, { name: "admin-cli", role: "admin" })).secret;
      expect((await rest(gate.id, { action: "cancel" }, adminToken)).status).toBe(200);
      expect(await runEnd(runId)).toBe("cancelled");
    });
  });
});
