/**
 * Personal API tokens: every user creates their own, capped by their roles; only admins create
 * tokens for others (by id or e-mail, members of their team only); a token cannot mint tokens;
 * and a token is capped again at use, so demoting its user caps it at once. Each case is an
 * escalation attempt that must fail.
 */
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "~/server/api/root";
import { actorFromToken, type Actor } from "~/server/auth/actor";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { createToken, listTokens, revokeToken, tokenRolesFor } from "./tokens";
import { setUserRoles } from "./users";
import { saveWorkflow } from "./workflows";

async function tokenActor(secret: string): Promise<Actor> {
  const { actor } = await actorFromToken(secret);
  if (!actor) throw new Error("token refused");
  return actor;
}

/** The HTTP-ish outcome of one procedure call as `actor`. */
async function outcome(actor: Actor, fn: (c: ReturnType<typeof createCaller>) => Promise<unknown>): Promise<string> {
  try {
    await fn(createCaller({ actor }));
    return "ok";
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
}

describe("personal API tokens", () => {
  let admin: Actor;
  let operator: Actor;
  let approver: Actor;
  let viewer: Actor;
  let stranger: Actor;

  beforeAll(async () => {
    await migrateTestDb();
    const t = await createTeam("Tok");
    const other = await createTeam("Other");
    admin = await createUserWithRoles(t.id, "admin@tok.io", ["admin"]);
    operator = await createUserWithRoles(t.id, "op@tok.io", ["operator"]);
    approver = await createUserWithRoles(t.id, "appr@tok.io", ["approver"]);
    viewer = await createUserWithRoles(t.id, "view@tok.io", ["viewer"]);
    stranger = await createUserWithRoles(other.id, "someone@other.io", ["admin"]);
    await saveWorkflow(t, { yaml: "name: tok\nsteps:\n  - { id: a, type: noop }\n" });
  });

  it("an operator creates an operator token and uses the CLI as themselves", async () => {
    const { secret, token } = await createToken(operator, { name: "cli", role: "operator" });
    expect(token.user.email).toBe("op@tok.io");
    const t = await tokenActor(secret);
    expect(t).toMatchObject({ userId: operator.userId, via: "token", roles: ["operator"] });
    expect(await outcome(t, (c) => c.runs.start({ workflow: "tok", approvalMode: "interactive" }))).toBe("ok");
    // an approver's token decides like the approver
    const a = await tokenActor((await createToken(approver, { name: "cli", role: "approver" })).secret);
    expect(a.permissions.has("approval.decide")).toBe(true);
  });

  it("an operator cannot create an admin (or approver) token: refused naming what is missing and what is allowed", async () => {
    await expect(createToken(operator, { name: "up", role: "admin" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/^A token cannot exceed its user's roles: role admin needs workflow\.write, approval\.decide, .* which op@tok\.io does not have in team Tok\. Choose one of: viewer, operator\.$/),
    });
    await expect(createToken(operator, { name: "up", role: "approver" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(tokenRolesFor(operator)).toEqual(["viewer", "operator"]);
    expect(tokenRolesFor(admin)).toEqual(["viewer", "editor", "operator", "approver", "admin"]);
  });

  it("a non-admin cannot create a token for another user (by id or e-mail, existing or not)", async () => {
    for (const user of [admin.userId, "admin@tok.io", "nobody@tok.io", "usr_nope"]) {
      await expect(createToken(viewer, { name: "steal", role: "viewer", user })).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: 'Only admins create tokens for other users: leave out "user" to create your own token.',
      });
    }
    // naming oneself is fine, by id or e-mail
    await expect(createToken(viewer, { name: "me", role: "viewer", user: "VIEW@tok.io" })).resolves.toMatchObject({ token: { user: { id: viewer.userId } } });
  });

  it("an admin creates a token for a member by e-mail or id, capped by that member's roles; another team's user is not found", async () => {
    const byEmail = await createToken(admin, { name: "bot", role: "operator", user: "OP@tok.io" });
    expect((await tokenActor(byEmail.secret)).userId).toBe(operator.userId);
    const byId = await createToken(admin, { name: "bot2", role: "viewer", user: viewer.userId });
    expect(byId.token.user.email).toBe("view@tok.io");
    await expect(createToken(admin, { name: "lift", role: "operator", user: viewer.userId })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("Choose one of: viewer.") });
    const other = await createToken(admin, { name: "x", role: "viewer", user: "someone@other.io" }).catch((e: Error) => e.message);
    const unknown = await createToken(admin, { name: "x", role: "viewer", user: "ghost@tok.io" }).catch((e: Error) => e.message);
    expect(other).toBe("No user someone@other.io in team Tok.");
    expect(unknown).toBe("No user ghost@tok.io in team Tok.");
    await expect(createToken(admin, { name: "x", role: "viewer", user: stranger.userId })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a token cannot mint tokens (a leaked CLI token cannot outlive its revocation)", async () => {
    const t = await tokenActor((await createToken(operator, { name: "cli2", role: "operator" })).secret);
    expect(await outcome(t, (c) => c.tokens.create({ name: "more", role: "viewer" }))).toBe("FORBIDDEN");
    // an admin's viewer-capped token neither
    const capped = await tokenActor((await createToken(admin, { name: "ro", role: "viewer" })).secret);
    expect(await outcome(capped, (c) => c.tokens.create({ name: "more", role: "admin" }))).toBe("FORBIDDEN");
  });

  it("demoting the user caps their tokens at once; promoting back restores them", async () => {
    const user = await createUserWithRoles(admin.teamId, "demote@tok.io", ["operator"]);
    const { secret } = await createToken(user, { name: "cli", role: "operator" });
    expect(await outcome(await tokenActor(secret), (c) => c.runs.start({ workflow: "tok", approvalMode: "interactive" }))).toBe("ok");
    await setUserRoles(admin, { userId: user.userId, roles: ["viewer"] });
    const demoted = await tokenActor(secret);
    expect(demoted.permissions.has("run.start")).toBe(false);
    expect(demoted.roles).toEqual(["viewer"]);
    expect(await outcome(demoted, (c) => c.runs.start({ workflow: "tok", approvalMode: "interactive" }))).toBe("FORBIDDEN");
    await setUserRoles(admin, { userId: user.userId, roles: ["operator"] });
    expect((await tokenActor(secret)).permissions.has("run.start")).toBe(true);
  });

  it("an admin demoted to viewer keeps only viewer rights through their admin token", async () => {
    const boss = await createUserWithRoles(admin.teamId, "boss@tok.io", ["admin"]);
    const { secret } = await createToken(boss, { name: "all", role: "admin" });
    await setUserRoles(admin, { userId: boss.userId, roles: ["viewer"] });
    const t = await tokenActor(secret);
    expect([...t.permissions].sort()).toEqual(["approval.read", "run.read", "workflow.read"]);
    expect(await outcome(t, (c) => c.users.list())).toBe("FORBIDDEN");
  });

  it("non-admins list and revoke only their own tokens; another's is not found", async () => {
    const mine = await createToken(approver, { name: "mine", role: "viewer" });
    const theirs = await createToken(admin, { name: "theirs", role: "viewer" });
    const listed = await listTokens(approver);
    expect(listed.every((t) => t.user.id === approver.userId)).toBe(true);
    expect(listed.map((t) => t.id)).toContain(mine.id);
    await expect(revokeToken(approver, theirs.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(revokeToken(approver, mine.id)).resolves.toMatchObject({ revokedAt: expect.any(Date) });
    expect((await listTokens(admin)).map((t) => t.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
  });
});
