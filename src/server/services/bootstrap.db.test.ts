import { beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "~/env";
import { actorFromToken } from "~/server/auth/actor";
import { verifyPassword } from "~/server/auth/password";
import { db } from "~/server/db";
import { migrateTestDb } from "~/server/testing/seed";
import { bootstrap, createFirstAdmin, needsSetup } from "./bootstrap";

const config = parseEnv({
  ...process.env,
  ADMIN_EMAIL: "Boss@Example.com",
  ADMIN_PASSWORD: "first-password",
  ADMIN_API_TOKEN: "wf_bootstrap_token_0123456789",
});

describe("bootstrap", () => {
  beforeAll(migrateTestDb);

  it("without ADMIN_EMAIL leaves the one-time setup pending", async () => {
    const bare = parseEnv({ ...process.env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined, ADMIN_API_TOKEN: undefined });
    expect(await bootstrap(bare)).toEqual({ setupPending: true });
    expect(await needsSetup()).toBe(true);
  });

  it("creates the default team, first admin and admin token once; a second start changes nothing", async () => {
    expect(await bootstrap(config)).toEqual({ setupPending: false });
    const snapshot = async () => ({
      users: await db.user.findMany({ orderBy: { id: "asc" } }),
      teams: await db.team.count(),
      tokens: await db.apiToken.count(),
      memberships: await db.membership.count(),
      audit: await db.auditLog.count(),
    });
    const first = await snapshot();
    expect(first.users.map((u) => u.email)).toEqual(["boss@example.com"]);
    expect(first.teams).toBe(1);
    expect(first.tokens).toBe(1);
    // The start's changes are in the audit log, by "setup" and "system", without the password or token secret.
    const audit = await db.auditLog.findMany({ orderBy: { id: "asc" }, select: { actor: true, action: true, before: true, after: true } });
    expect(audit.filter((a) => a.action !== "workflow.saved").map((a) => [a.actor, a.action])).toEqual([
      ["setup", "user.created"],
      ["system", "token.created"],
    ]);
    expect(audit.filter((a) => a.action === "workflow.saved").every((a) => a.actor === "system")).toBe(true);
    const text = JSON.stringify(audit);
    for (const secret of ["first-password", "wf_bootstrap_token_0123456789", first.users[0]?.passwordHash ?? "?"]) expect(text).not.toContain(secret);

    await bootstrap({ ...config, ADMIN_PASSWORD: "a-different-password" });
    expect(await snapshot()).toEqual(first);
    const admin = first.users[0];
    expect(admin && (await verifyPassword("first-password", admin.passwordHash))).toBe(true);

    const { actor } = await actorFromToken("wf_bootstrap_token_0123456789");
    expect(actor?.roles).toEqual(["admin"]);
    expect(actor?.permissions.has("user.manage")).toBe(true);
  });

  it("refuses the setup page once a user exists", async () => {
    await expect(createFirstAdmin({ email: "second@example.com", password: "password-123" })).rejects.toThrow(/Setup is already done/);
  });
});
