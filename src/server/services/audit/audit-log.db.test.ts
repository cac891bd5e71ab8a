/**
 * Every kind of change goes into the team's hash-chained audit log, written in the change's own
 * transaction: runs (start, pause, resume, cancel, retry), workflow saves and restores, users
 * (create, roles, disable, enable, password reset), tokens, teams, webhooks and gate decisions.
 * Each entry names the actor, the action, the target and the state before and after; no entry
 * ever holds a password, a password hash, a token secret or hash, a webhook secret or a URL's
 * credentials. Then: the chain verifies, concurrent changes keep it linked, a failed audit write
 * undoes its change, approvers see the decisions alone, and the filters and the JSON-lines export.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { GET as auditRoute } from "~/app/api/v1/audit/route";
import { openApiDocument } from "~/server/api/openapi";
import type { Actor } from "~/server/auth/actor";
import { hashToken } from "~/server/auth/tokens";
import { db } from "~/server/db";
import { engineStore } from "~/server/store/instance";
import { createTeam as seedTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { decideApproval, listApprovals } from "../approvals";
import { controlRun, startRun } from "../runs";
import { createTeam } from "../teams";
import { createToken, revokeToken } from "../tokens";
import { createUser, resetUserPassword, setUserDisabled, setUserRoles } from "../users";
import { createWebhook, deleteWebhook, updateWebhook } from "../webhooks";
import { restoreVersion, saveWorkflow, saveWorkflowAs } from "../workflows";
import { listAudit } from "./list-audit";
import { verifyAudit } from "./verify-audit";

let admin: Actor;
let editor: Actor;
let operator: Actor;
let approver: Actor;
let outsider: Actor;
let teamA: { id: string; name: string };

/** Everything that must never reach the log, collected as the changes make it. */
const secrets: string[] = [];

const GATED = "name: gated\nsteps:\n  - { id: review, type: approval }\n  - { id: ship, type: noop, needs: [review] }\n";
const FLOW = (cmd: string) => `name: flow\nsteps:\n  - { id: a, type: shell, params: { command: "${cmd}" } }\n`;

/** The whole audit table as text (every team, every column a person could read). */
async function auditText(): Promise<string> {
  const rows = await db.auditLog.findMany({ select: { actor: true, action: true, target: true, before: true, after: true } });
  return JSON.stringify(rows);
}

/** Fails naming the secret and the change after which it appeared. */
async function expectNoSecret(after: string) {
  const hashes = (await db.user.findMany({ select: { passwordHash: true } })).map((u) => u.passwordHash);
  const text = await auditText();
  for (const s of [...secrets, ...hashes]) expect(text.includes(s), `${after}: the audit log holds ${s.slice(0, 12)}…`).toBe(false);
}

async function newest(actor = admin) {
  const [e] = await listAudit(actor, { order: "desc", limit: 1 });
  if (!e) throw new Error("no audit entry");
  return e;
}

describe("audit log: every kind of change", () => {
  beforeAll(async () => {
    await migrateTestDb();
    teamA = await seedTeam("Audited");
    admin = await createUserWithRoles(teamA.id, "admin@a.io", ["admin"]);
    editor = await createUserWithRoles(teamA.id, "ed@a.io", ["editor"]);
    operator = await createUserWithRoles(teamA.id, "op@a.io", ["operator"]);
    approver = await createUserWithRoles(teamA.id, "ann@a.io", ["approver"]);
    const b = await seedTeam("Elsewhere");
    outsider = await createUserWithRoles(b.id, "admin@b.io", ["admin"]);
    secrets.push("password-123"); // the seeded users' password
    await saveWorkflow(teamA, { yaml: GATED });
  });

  // Each row: the change, then the entry it must leave (newest of the team), then no secret in the log.
  const changes: { name: string; act: () => Promise<void>; want: () => Record<string, unknown> }[] = [];
  let runId = "";
  let userId = "";
  let tokenId = "";
  let webhookId = "";
  let teamId = "";
  const change = (name: string, act: () => Promise<void>, want: () => Record<string, unknown>) => changes.push({ name, act, want });

  change(
    "workflow.saved",
    async () => void (await saveWorkflowAs(editor, { yaml: FLOW("echo one"), message: "first" })),
    () => ({ actor: "ed@a.io", action: "workflow.saved", target: "workflow:flow", targetType: "workflow", targetId: "flow", before: null, after: { version: 1, yaml: FLOW("echo one"), message: "first" } }),
  );
  change(
    "workflow.saved (a new version)",
    async () => void (await saveWorkflowAs(editor, { yaml: FLOW("echo two") })),
    () => ({ action: "workflow.saved", before: { version: 1, yaml: FLOW("echo one") }, after: { version: 2, yaml: FLOW("echo two") } }),
  );
  change(
    "workflow.restored",
    async () => void (await restoreVersion(editor, { name: "flow", version: 1 })),
    () => ({ actor: "ed@a.io", action: "workflow.restored", targetId: "flow", before: { version: 2 }, after: { version: 3, yaml: FLOW("echo one"), source: "restore:v1" } }),
  );
  change(
    "run.started",
    async () => {
      runId = (await startRun(operator, { workflow: "gated", inputs: {}, approvalMode: "interactive" })).id;
    },
    () => ({ actor: "op@a.io", action: "run.started", target: `run:${runId}`, after: { workflow: "gated", version: 1, approvalMode: "interactive", inputs: {} } }),
  );
  change(
    "run.paused",
    async () => void (await controlRun(operator, runId, "pause")),
    () => ({ actor: "op@a.io", action: "run.paused", targetId: runId, before: { status: "waiting_approval" }, after: { status: "paused" } }),
  );
  change(
    "run.resumed",
    async () => void (await controlRun(operator, runId, "resume")),
    () => ({ action: "run.resumed", targetId: runId, before: { status: "paused" }, after: { status: "waiting_approval" } }),
  );
  change(
    "gate.decided",
    async () => {
      const gate = (await listApprovals(approver, { runId, status: "pending" }))[0];
      if (!gate) throw new Error("no gate");
      await decideApproval(approver, { id: gate.id, action: "reject", comment: "not today" });
    },
    () => ({ actor: "ann@a.io", action: "gate.decided", targetType: "gate", targetId: `${runId}/review#1`, before: { status: "pending" }, after: { status: "rejected", action: "reject", comment: "not today" } }),
  );
  change(
    "run.retried",
    async () => {
      // (The rejected gate failed the run.)
      for (let i = 0; i < 200 && (await db.run.findUniqueOrThrow({ where: { id: runId } })).status !== "failed"; i++) await new Promise((r) => setTimeout(r, 10));
      await controlRun(operator, runId, "retry");
    },
    () => ({ action: "run.retried", targetId: runId, before: { status: "failed" } }),
  );
  change(
    "run.cancelled",
    async () => void (await controlRun(operator, runId, "cancel")),
    () => ({ actor: "op@a.io", action: "run.cancelled", targetId: runId, after: { status: "cancelled" } }),
  );
  change(
    "user.created",
    async () => {
      secrets.push("initial-secret-pw");
      userId = (await createUser(admin, { email: "new@a.io", name: "New", password: "initial-secret-pw", roles: ["viewer"] })).id;
    },
    () => ({ actor: "admin@a.io", action: "user.created", target: `user:${userId}`, after: { email: "new@a.io", name: "New", disabled: false, roles: ["viewer"] } }),
  );
  change(
    "user.roles_changed",
    async () => void (await setUserRoles(admin, { userId, roles: ["operator", "viewer"] })),
    () => ({ action: "user.roles_changed", targetId: userId, before: { roles: ["viewer"] }, after: { roles: ["viewer", "operator"] } }),
  );
  change(
    "user.disabled",
    async () => void (await setUserDisabled(admin, { userId, disabled: true })),
    () => ({ action: "user.disabled", targetId: userId, before: { disabled: false }, after: { disabled: true } }),
  );
  change(
    "user.enabled",
    async () => void (await setUserDisabled(admin, { userId, disabled: false })),
    () => ({ action: "user.enabled", targetId: userId, before: { disabled: true }, after: { disabled: false } }),
  );
  change(
    "user.password_reset",
    async () => {
      secrets.push("reset-secret-pw");
      await resetUserPassword(admin, { userId, password: "reset-secret-pw" });
    },
    () => ({ actor: "admin@a.io", action: "user.password_reset", targetId: userId, after: { email: "new@a.io" } }),
  );
  change(
    "token.created",
    async () => {
      const t = await createToken(admin, { name: "ci", role: "operator", user: operator.userId });
      secrets.push(t.secret, hashToken(t.secret));
      tokenId = t.id;
    },
    () => ({ action: "token.created", target: `token:${tokenId}`, after: { name: "ci", role: "operator", user: { email: "op@a.io" }, revokedAt: null } }),
  );
  change(
    "token.revoked",
    async () => void (await revokeToken(admin, tokenId)),
    () => ({ action: "token.revoked", targetId: tokenId, before: { revokedAt: null }, after: { revokedAt: expect.any(String) } }),
  );
  change(
    "team.created",
    async () => {
      secrets.push("team-admin-secret-pw");
      teamId = (await createTeam(admin, { name: "Spin-off", admin: { email: "boss@spin.io", password: "team-admin-secret-pw" } })).id;
    },
    () => ({ actor: "admin@a.io", action: "team.created", target: `team:${teamId}`, after: { name: "Spin-off", admin: { email: "boss@spin.io" } } }),
  );
  change(
    "webhook.created",
    async () => {
      const w = await createWebhook(admin, { url: "https://hookuser:hookpass-secret@hooks.example.com/notify?token=query-secret", format: "json" });
      secrets.push(w.secret, "hookpass-secret", "hookuser", "query-secret");
      webhookId = w.webhook.id;
    },
    () => ({ action: "webhook.created", target: `webhook:${webhookId}`, after: { url: "https://***@hooks.example.com/notify?token=***", format: "json", enabled: true } }),
  );
  change(
    "webhook.updated",
    async () => {
      secrets.push("other-secret");
      await updateWebhook(admin, { id: webhookId, url: "https://hooks.example.com/v2?sig=other-secret", enabled: false });
    },
    () => ({ action: "webhook.updated", targetId: webhookId, before: { enabled: true }, after: { url: "https://hooks.example.com/v2?sig=***", enabled: false, urlChanged: true } }),
  );
  change(
    "webhook.deleted",
    async () => void (await deleteWebhook(admin, webhookId)),
    () => ({ action: "webhook.deleted", targetId: webhookId, before: { url: "https://hooks.example.com/v2?sig=***", enabled: false } }),
  );

  it("records each change with actor, action, target, before and after, and never a secret", async () => {
    for (const c of changes) {
      const seen = (await newest()).id;
      await c.act();
      const entry = await newest();
      expect(entry.id, `${c.name} left no entry`).toBeGreaterThan(seen);
      expect(entry, c.name).toMatchObject(c.want());
      await expectNoSecret(c.name);
    }
    // Every action of the vocabulary a person causes was exercised (gate.opened by the run's start).
    const actions = new Set((await listAudit(admin, { limit: 1000 })).map((e) => e.action));
    for (const c of changes) expect(actions).toContain(c.name.split(" ")[0]);
    expect(actions).toContain("gate.opened");
  });

  it("the chain verifies after all of them; an edited row is named", async () => {
    expect(await verifyAudit(admin)).toMatchObject({ ok: true });
    const victim = await db.auditLog.findFirstOrThrow({ where: { teamId: teamA.id, action: "user.disabled" } });
    await db.auditLog.update({ where: { id: victim.id }, data: { after: '{"disabled":false}' } });
    expect(await verifyAudit(admin)).toMatchObject({ ok: false, badRowId: victim.id, reason: expect.stringContaining("edited") });
    await db.auditLog.update({ where: { id: victim.id }, data: { after: victim.after } });
    expect(await verifyAudit(admin)).toMatchObject({ ok: true });
  });

  it("concurrent changes of one team keep the chain linked (no two rows share a previous row)", async () => {
    const before = await db.auditLog.count({ where: { teamId: teamA.id } });
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => createToken(admin, { name: `t${i}`, role: "viewer" }).then((t) => void secrets.push(t.secret))),
      ...Array.from({ length: 5 }, () => startRun(operator, { workflow: "gated", approvalMode: "interactive" })),
      ...Array.from({ length: 5 }, (_, i) => saveWorkflowAs(editor, { yaml: `name: race${i}\nsteps:\n  - { id: a, type: noop }\n` })),
    ]);
    expect(await db.auditLog.count({ where: { teamId: teamA.id } })).toBe(before + 10 + 5 * 2 + 5);
    const links = await db.auditLog.findMany({ where: { teamId: teamA.id }, select: { prevHash: true } });
    expect(new Set(links.map((l) => l.prevHash)).size).toBe(links.length);
    expect(await verifyAudit(admin)).toMatchObject({ ok: true });
    await expectNoSecret("concurrent changes");
  });

  it("a change whose audit row cannot be written is undone with it (one transaction)", async () => {
    const victim = await createUserWithRoles(teamA.id, "victim@a.io", ["viewer"]);
    const pg = engineStore().sql.kind === "postgresql";
    // A trigger that refuses user.disabled rows: the disable must roll back with its row.
    if (pg) {
      await db.$executeRawUnsafe(`CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN IF NEW."action" = 'user.disabled' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
      await db.$executeRawUnsafe(`CREATE TRIGGER refuse_audit BEFORE INSERT ON "AuditLog" FOR EACH ROW EXECUTE FUNCTION refuse_audit()`);
    } else {
      await db.$executeRawUnsafe(`CREATE TRIGGER refuse_audit BEFORE INSERT ON "AuditLog" WHEN NEW."action" = 'user.disabled' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    }
    try {
      await expect(setUserDisabled(admin, { userId: victim.userId, disabled: true })).rejects.toThrow();
      expect((await db.user.findUniqueOrThrow({ where: { id: victim.userId } })).disabled).toBe(false);
    } finally {
      await db.$executeRawUnsafe(pg ? `DROP TRIGGER refuse_audit ON "AuditLog"` : "DROP TRIGGER refuse_audit");
      if (pg) await db.$executeRawUnsafe("DROP FUNCTION refuse_audit()");
    }
    // A refused change (the service's own check) leaves no entry either.
    const count = await db.auditLog.count({ where: { teamId: teamA.id } });
    await expect(setUserDisabled(admin, { userId: admin.userId, disabled: true })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(await db.auditLog.count({ where: { teamId: teamA.id } })).toBe(count);
  });

  it("approvers see the decisions on gates of their team alone; another team sees nothing", async () => {
    const seen = await listAudit(approver, { limit: 1000 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.action.startsWith("gate."))).toBe(true);
    expect(seen.some((e) => e.action === "gate.decided" && e.actor === "ann@a.io")).toBe(true);
    // A filter cannot widen the scope.
    expect(await listAudit(approver, { action: "user" })).toEqual([]);
    expect(await listAudit(approver, { target: `user:${userId}` })).toEqual([]);
    expect(await listAudit(outsider, { limit: 1000 })).toEqual([]);
    expect(await listAudit(outsider, { target: runId })).toEqual([]);
    await expect(listAudit(operator, {})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("filters by actor, action, target and time", async () => {
    const all = await listAudit(admin, { limit: 1000 });
    expect((await listAudit(admin, { actor: "ANN@", limit: 1000 })).map((e) => e.actor)).toEqual(all.filter((e) => e.actor === "ann@a.io").map((e) => e.actor));
    expect((await listAudit(admin, { action: "user.disabled" })).map((e) => e.action)).toEqual(["user.disabled"]);
    const users = await listAudit(admin, { action: "user", limit: 1000 });
    expect(new Set(users.map((e) => e.action))).toEqual(new Set(["user.created", "user.roles_changed", "user.disabled", "user.enabled", "user.password_reset"]));
    expect(await listAudit(admin, { target: "webhook", limit: 1000 })).toHaveLength(3);
    expect((await listAudit(admin, { target: `run:${runId}` })).map((e) => e.action)).toEqual(["run.started", "run.paused", "run.resumed", "run.retried", "run.cancelled"]);
    // Text of an id: the run and its gate.
    const ofRun = await listAudit(admin, { target: runId, limit: 1000 });
    expect(ofRun.map((e) => e.action)).toEqual(expect.arrayContaining(["run.started", "gate.opened", "gate.decided"]));
    expect(ofRun.every((e) => e.targetId.startsWith(runId))).toBe(true);
    // Time: nothing before the first entry, everything up to now; ISO text and epoch ms alike.
    const first = all[0];
    if (!first) throw new Error("no entries");
    expect(await listAudit(admin, { to: new Date(first.at.getTime() - 1).toISOString() })).toEqual([]);
    expect(await listAudit(admin, { from: String(first.at.getTime()), limit: 1000 })).toHaveLength(all.length);
    // Newest first with a cursor.
    const [a, b] = await listAudit(admin, { order: "desc", limit: 2 });
    expect(a && b && a.id > b.id).toBe(true);
    expect((await listAudit(admin, { order: "desc", before: b?.id, limit: 1 }))[0]?.id).toBeLessThan(b?.id ?? 0);
    // Bad filters say what is wrong.
    await expect(listAudit(admin, { action: "user.deleted" })).rejects.toThrow(/Unknown action/);
    await expect(listAudit(admin, { from: "yesterday" })).rejects.toThrow(/not a time/);
  });

  it("REST exports JSON lines with the same filters and scope; bad input answers 400", async () => {
    const adminToken = await createToken(admin, { name: "export", role: "admin" });
    const approverToken = await createToken(admin, { name: "export", role: "approver", user: approver.userId });
    secrets.push(adminToken.secret, approverToken.secret);
    const get = (query: string, token?: string) =>
      auditRoute(new Request(`http://127.0.0.1/api/v1/audit?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));

    const res = await get("format=jsonl&action=user", adminToken.secret);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-.*\.jsonl"$/);
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l) as { action: string; at: string });
    expect(lines.map((l) => l.action)).toEqual((await listAudit(admin, { action: "user", limit: 1000 })).map((e) => e.action));
    expect(lines[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const all = (await (await get("format=jsonl", adminToken.secret)).text()).trimEnd().split("\n");
    expect(all).toHaveLength((await listAudit(admin, { limit: 1000 })).length);
    expect(all.join("\n")).not.toContain("[object");
    expect((await (await get("format=jsonl&limit=3&order=desc", adminToken.secret)).text()).trimEnd().split("\n")).toHaveLength(3);

    const mine = (await (await get("format=jsonl", approverToken.secret)).text()).trimEnd().split("\n").map((l) => JSON.parse(l) as { action: string });
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((l) => l.action.startsWith("gate."))).toBe(true);

    const bad = await get("format=jsonl&from=yesterday", adminToken.secret);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("not a time");
    expect((await get("format=jsonl")).status).toBe(401);
    // Plain JSON is the procedure's REST answer.
    const json = await get("action=token.revoked", adminToken.secret);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { action: string }[]).map((e) => e.action)).toEqual(["token.revoked"]);
  });

  it("the OpenAPI document lists the filters and the JSON-lines answer", () => {
    const doc = openApiDocument() as unknown as { paths: Record<string, { get: { parameters: { name: string }[]; responses: Record<string, { content: Record<string, unknown> }> } }> };
    const op = doc.paths["/audit"]?.get;
    expect(op?.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(["actor", "action", "target", "from", "to", "format"]));
    expect(Object.keys(op?.responses["200"]?.content ?? {})).toEqual(["application/json", "application/x-ndjson"]);
  });
});
