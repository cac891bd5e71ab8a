/**
 * Every tRPC procedure declares a permission, and the outcome for every kind of caller is the one
 * written in this matrix. A new procedure fails the first test until it is added here.
 */
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { createToken } from "~/server/services/tokens";
import { saveWorkflow } from "~/server/services/workflows";
import { appRouter, createCaller } from "./root";
import type { Meta } from "./trpc";

const flow = (name: string) => `name: ${name}\nsteps:\n  - { id: a, type: noop }\n`;

type Outcome = "ok" | 401 | 403 | 404;
const CALLERS = ["anonymous", "viewer", "editor", "operator", "approver", "admin", "otherTeamAdmin"] as const;
type Caller = (typeof CALLERS)[number];

type Fixtures = {
  targetUserId: string;
  targetTokenId: string;
  runId: string;
  n: () => number;
  /** a fresh run of team A, in the state a control action needs */
  newRun: (state?: "paused" | "cancelled") => Promise<string>;
  /** a fresh pending gate of team A (its run started by the editor) */
  newGate: () => Promise<string>;
  gateId: string;
  /** a fresh webhook endpoint of team A */
  newWebhook: () => Promise<string>;
};
type Row = { input: (f: Fixtures) => unknown; expect: Outcome[] };

// prettier-ignore
const MATRIX: Record<string, Row> = {
  //                                                                         anon viewer editor operator approver admin otherTeamAdmin
  "me.get":             { input: () => undefined,                        expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "setup.status":       { input: () => undefined,                        expect: ["ok", "ok", "ok", "ok", "ok", "ok", "ok"] },
  // public, but refused by the service once a user exists (one-time setup)
  "setup.createAdmin":  { input: (f) => ({ email: `late${f.n()}@x.io`, password: "password-123" }), expect: [403, 403, 403, 403, 403, 403, 403] },
  "users.list":         { input: () => undefined,                        expect: [401, 403, 403, 403, 403, "ok", "ok"] },
  "users.create":       { input: (f) => ({ email: `new${f.n()}@x.io`, password: "password-123", roles: ["viewer"] }), expect: [401, 403, 403, 403, 403, "ok", "ok"] },
  "users.setRoles":     { input: (f) => ({ userId: f.targetUserId, roles: ["viewer"] }), expect: [401, 403, 403, 403, 403, "ok", 404] },
  "users.setDisabled":  { input: (f) => ({ userId: f.targetUserId, disabled: false }), expect: [401, 403, 403, 403, 403, "ok", 404] },
  "users.resetPassword":{ input: (f) => ({ userId: f.targetUserId, password: "password-456" }), expect: [401, 403, 403, 403, 403, "ok", 404] },
  "teams.list":         { input: () => undefined,                        expect: [401, 403, 403, 403, 403, "ok", "ok"] },
  "teams.create":       { input: (f) => ({ name: `Team ${f.n()}`, admin: { email: `first${f.n()}@x.io`, password: "password-123" } }), expect: [401, 403, 403, 403, 403, "ok", "ok"] },
  // everyone lists and creates their own tokens (capped by their roles); others' tokens are unknown to non-admins
  "tokens.list":        { input: () => undefined,                        expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "tokens.create":      { input: () => ({ name: "matrix", role: "viewer" }), expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "tokens.revoke":      { input: (f) => ({ id: f.targetTokenId }),       expect: [401, 404, 404, 404, 404, "ok", 404] },
  "workflows.list":     { input: () => undefined,                        expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "workflows.get":      { input: () => ({ name: "team-a-flow" }),        expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "workflows.save":     { input: (f) => ({ yaml: flow(`saved-${f.n()}`) }), expect: [401, 403, "ok", 403, 403, "ok", "ok"] },
  "workflows.validate": { input: () => ({ yaml: flow("checked") }),      expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "workflows.versions": { input: () => ({ name: "team-a-flow" }),        expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "workflows.version":  { input: () => ({ name: "team-a-flow", version: 1 }), expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "workflows.restore":  { input: () => ({ name: "team-a-flow", version: 1 }), expect: [401, 403, "ok", 403, 403, "ok", 404] },
  "workflows.templates":{ input: () => undefined,                        expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "runs.start":         { input: () => ({ workflow: "team-a-flow" }),    expect: [401, 403, "ok", "ok", 403, "ok", 404] },
  "runs.list":          { input: () => ({}),                             expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "runs.get":           { input: (f) => ({ id: f.runId }),               expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "runs.logs":          { input: (f) => ({ id: f.runId, stepId: "a" }),  expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "runs.artifacts":     { input: (f) => ({ id: f.runId, stepId: "a" }),  expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "runs.cancel":        { input: async (f) => ({ id: await f.newRun() }), expect: [401, 403, 403, "ok", 403, "ok", 404] },
  "runs.pause":         { input: async (f) => ({ id: await f.newRun() }), expect: [401, 403, 403, "ok", 403, "ok", 404] },
  "runs.resume":        { input: async (f) => ({ id: await f.newRun("paused") }), expect: [401, 403, 403, "ok", 403, "ok", 404] },
  "runs.retry":         { input: async (f) => ({ id: await f.newRun("cancelled") }), expect: [401, 403, 403, "ok", 403, "ok", 404] },
  "approvals.list":     { input: () => ({ status: "pending" }),          expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "approvals.pendingCount": { input: () => undefined,                    expect: [401, "ok", "ok", "ok", "ok", "ok", "ok"] },
  "approvals.context":  { input: (f) => ({ id: f.gateId }),              expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "approvals.get":      { input: (f) => ({ id: f.gateId }),              expect: [401, "ok", "ok", "ok", "ok", "ok", 404] },
  "approvals.decide":   { input: async (f) => ({ id: await f.newGate(), action: "approve" }), expect: [401, 403, 403, 403, "ok", "ok", 404] },
  "approvals.decideMany": { input: async (f) => ({ ids: [await f.newGate()], action: "approve" }), expect: [401, 403, 403, 403, "ok", "ok", "ok"] },
  "webhooks.list":      { input: () => undefined,                        expect: [401, 403, 403, 403, 403, "ok", "ok"] },
  "webhooks.create":    { input: () => ({ url: "https://hooks.example.com/wf" }), expect: [401, 403, 403, 403, 403, "ok", "ok"] },
  "webhooks.update":    { input: async (f) => ({ id: await f.newWebhook(), enabled: false }), expect: [401, 403, 403, 403, 403, "ok", 404] },
  "webhooks.delete":    { input: async (f) => ({ id: await f.newWebhook() }), expect: [401, 403, 403, 403, 403, "ok", 404] },
  // approvers read the gate entries (decisions), admins every entry (audit-log.db.test.ts)
  "audit.list":         { input: () => ({}),                             expect: [401, 403, 403, 403, "ok", "ok", "ok"] },
  "audit.verify":       { input: () => undefined,                        expect: [401, 403, 403, 403, 403, "ok", "ok"] },
};

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Meta; type: "query" | "mutation" | "subscription" } }>;

function outcomeOf(e: unknown): Outcome {
  if (!(e instanceof TRPCError)) throw e;
  if (e.code === "UNAUTHORIZED") return 401;
  if (e.code === "FORBIDDEN") return 403;
  if (e.code === "NOT_FOUND") return 404;
  throw e; // any other error means the matrix input is wrong, not the permission
}

async function call(actor: Actor | null, path: string, input: unknown): Promise<Outcome> {
  const caller = createCaller({ actor }) as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
  const [ns, name] = path.split(".") as [string, string];
  const fn = caller[ns]?.[name];
  if (!fn) throw new Error(`no procedure ${path}`);
  try {
    await fn(input);
    return "ok";
  } catch (e) {
    return outcomeOf(e);
  }
}

describe("permissions", () => {
  const actors = {} as Record<Caller, Actor | null>;
  let fixtures: Fixtures;

  beforeAll(async () => {
    await migrateTestDb();
    const a = await createTeam("Team A");
    const b = await createTeam("Team B");
    actors.anonymous = null;
    for (const role of ["viewer", "editor", "operator", "approver", "admin"] as const) {
      actors[role] = await createUserWithRoles(a.id, `${role}@a.io`, [role]);
    }
    actors.otherTeamAdmin = await createUserWithRoles(b.id, "admin@b.io", ["admin"]);
    const target = await createUserWithRoles(a.id, "target@a.io", ["viewer"]);
    const admin = actors.admin;
    if (!admin) throw new Error("no admin");
    const token = await createToken(admin, { name: "target", role: "viewer" });
    await saveWorkflow(a, { yaml: flow("team-a-flow") });
    await saveWorkflow(a, { yaml: "name: team-a-gate\nsteps:\n  - { id: review, type: approval }\n" });
    let i = 0;
    const { startRun, controlRun } = await import("~/server/services/runs");
    const newRun = async (state?: "paused" | "cancelled") => {
      const run = await startRun(admin, { workflow: "team-a-flow", approvalMode: "interactive" });
      if (state === "paused") await controlRun(admin, run.id, "pause");
      if (state === "cancelled") await controlRun(admin, run.id, "cancel");
      return run.id;
    };
    const { listApprovals } = await import("~/server/services/approvals");
    const editor = actors.editor;
    if (!editor) throw new Error("no editor");
    const newGate = async () => {
      const run = await startRun(editor, { workflow: "team-a-gate", approvalMode: "interactive" });
      const gate = (await listApprovals(admin, { runId: run.id }))[0];
      if (!gate) throw new Error("gate did not open");
      return gate.id;
    };
    const { createWebhook } = await import("~/server/services/webhooks");
    const newWebhook = async () => (await createWebhook(admin, { url: "https://hooks.example.com/a", format: "json" })).webhook.id;
    fixtures = { targetUserId: target.userId, targetTokenId: token.id, runId: await newRun(), n: () => ++i, newRun, newGate, gateId: await newGate(), newWebhook };
  });

  it("every procedure declares a permission and is in the matrix", () => {
    const names = Object.keys(procedures).sort();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(procedures[name]?._def.meta?.perm, `${name} declares no permission`).toBeTruthy();
    }
    expect(names).toEqual(Object.keys(MATRIX).sort());
  });

  for (const [path, row] of Object.entries(MATRIX)) {
    it(`${path}: ${CALLERS.map((c, i) => `${c}=${row.expect[i]}`).join(" ")}`, async () => {
      const got: Outcome[] = [];
      for (const c of CALLERS) got.push(await call(actors[c], path, await row.input(fixtures)));
      expect(got).toEqual(row.expect);
    });
  }

  it("fails closed: a procedure without a declared permission is refused", async () => {
    const { procedure, router, createCallerFactory } = await import("./trpc");
    const r = router({ open: procedure.query(() => "leak") });
    const caller = createCallerFactory(r)({ actor: actors.admin ?? null });
    await expect(caller.open()).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
  });

  it("a token acts as its user capped by its role; a revoked token is refused", async () => {
    const { actorFromToken } = await import("~/server/auth/actor");
    const admin = actors.admin;
    if (!admin) throw new Error("no admin");
    const viewerToken = await createToken(admin, { name: "capped", role: "viewer" });
    const capped = (await actorFromToken(viewerToken.secret)).actor;
    expect(await call(capped, "users.list", undefined)).toBe(403);
    expect(await call(capped, "me.get", undefined)).toBe("ok");

    // A viewer's admin-role token is refused (tokens.db.test.ts: and capped at use after a demotion).
    const viewer = actors.viewer;
    if (!viewer) throw new Error("no viewer");
    await expect(createToken(admin, { name: "lift", role: "admin", user: viewer.userId })).rejects.toMatchObject({ code: "FORBIDDEN" });

    await db.apiToken.update({ where: { id: viewerToken.id }, data: { revokedAt: new Date() } });
    const revoked = await actorFromToken(viewerToken.secret);
    expect(revoked.actor).toBeNull();
    expect(revoked.authError).toMatch(/revoked/);
  });

  it("a disabled user loses access at once, although their session is still signed", async () => {
    const { actorFromUser } = await import("~/server/auth/actor");
    const admin = actors.admin;
    const viewer = actors.viewer;
    if (!admin || !viewer) throw new Error("fixtures");
    expect(await call(admin, "users.setDisabled", { userId: viewer.userId, disabled: true })).toBe("ok");
    expect(await actorFromUser(viewer.userId, viewer.teamId)).toBeNull();
    await call(admin, "users.setDisabled", { userId: viewer.userId, disabled: false });
  });
});
