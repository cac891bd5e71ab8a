/**
 * Sessions end when they should: a session cookie made by the real sign-in path (the credentials
 * provider's authorize, NextAuth's jwt callback, next-auth/jwt encode with the server's secret) is
 * refused by every door (tRPC context, REST's actorFromRequest) after sign-out, a password reset,
 * disabling and a role change; and NextAuth's own session refresh refuses to renew it.
 */
import { TRPCError } from "@trpc/server";
import { encode, type JWT } from "next-auth/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { authSecret } from "~/env";
import { createCaller } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { db } from "~/server/db";
import { resetUserPassword, setUserDisabled, setUserRoles } from "~/server/services/users";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import type { Actor } from "./actor";
import { actorFromRequest } from "./actor";
import { authOptions } from "./options";

type Authorize = (c: Record<string, string>, req: { headers: Record<string, string> }) => Promise<Record<string, unknown> | null>;
const provider = authOptions.providers[0] as unknown as { options: { authorize: Authorize } };
const callbacks = authOptions.callbacks as unknown as {
  jwt: (p: { token: JWT; user?: Record<string, unknown> }) => Promise<JWT>;
};
const events = authOptions.events as unknown as { signOut: (p: { token: JWT }) => Promise<void> };

/** Signs in as NextAuth does for POST /api/auth/callback/credentials, and returns the JWT and its cookie. */
async function signIn(email: string, password: string): Promise<{ jwt: JWT; cookie: string }> {
  const user = await provider.options.authorize({ email, password }, { headers: { "x-forwarded-for": "10.9.8.7" } });
  if (!user) throw new Error("sign-in refused");
  const jwt = await callbacks.jwt({ token: { sub: String(user.id), email: String(user.email) }, user });
  const value = await encode({ token: jwt, secret: authSecret() });
  return { jwt, cookie: `next-auth.session-token=${value}` };
}

const request = (cookie: string) => new Request("http://127.0.0.1/api/trpc/me.get", { headers: { cookie } });

async function actorOfCookie(cookie: string): Promise<Actor | null> {
  return (await actorFromRequest(request(cookie).headers)).actor;
}

/** Whether tRPC (the permission middleware, via createContext) lets the cookie through. */
async function trpcAccepts(cookie: string): Promise<boolean> {
  const caller = createCaller(await createContext({ req: request(cookie) }));
  try {
    await caller.me.get();
    return true;
  } catch (e) {
    if (e instanceof TRPCError && e.code === "UNAUTHORIZED") return false;
    throw e;
  }
}

describe("session revocation", () => {
  let admin: Actor;
  let teamId: string;
  let n = 0;
  const newUser = async () => {
    const email = `u${++n}@s.io`;
    const actor = await createUserWithRoles(teamId, email, ["operator"], "first-password");
    return { actor, email };
  };

  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Sessions");
    teamId = team.id;
    admin = await createUserWithRoles(team.id, "admin@s.io", ["admin"]);
  });

  it("accepts a fresh session everywhere, and puts the session version in it", async () => {
    const { email } = await newUser();
    const s = await signIn(email, "first-password");
    expect(s.jwt.sv).toBe(0);
    expect(await actorOfCookie(s.cookie)).toMatchObject({ email, via: "session" });
    expect(await trpcAccepts(s.cookie)).toBe(true);
    await expect(callbacks.jwt({ token: s.jwt })).resolves.toMatchObject({ sub: s.jwt.sub });
  });

  it("refuses the cookie after sign-out, on every door, and NextAuth's refresh refuses to renew it", async () => {
    const { email } = await newUser();
    const s = await signIn(email, "first-password");
    await events.signOut({ token: s.jwt });
    expect(await actorOfCookie(s.cookie)).toBeNull();
    expect(await trpcAccepts(s.cookie)).toBe(false);
    await expect(callbacks.jwt({ token: s.jwt })).rejects.toThrow(/session was ended/);
    // Signing in again works, with a new version.
    const again = await signIn(email, "first-password");
    expect(again.jwt.sv).toBe(1);
    expect(await trpcAccepts(again.cookie)).toBe(true);
  });

  it("a revoked cookie's sign-out does not end the user's newer session", async () => {
    const { email } = await newUser();
    const old = await signIn(email, "first-password");
    await events.signOut({ token: old.jwt });
    const current = await signIn(email, "first-password");
    await events.signOut({ token: old.jwt }); // replayed by whoever kept the old cookie
    expect(await trpcAccepts(current.cookie)).toBe(true);
  });

  it("refuses the cookie after an admin resets the password (the new password signs in)", async () => {
    const { actor, email } = await newUser();
    const s = await signIn(email, "first-password");
    await resetUserPassword(admin, { userId: actor.userId, password: "second-password" });
    expect(await actorOfCookie(s.cookie)).toBeNull();
    expect(await trpcAccepts(s.cookie)).toBe(false);
    await expect(signIn(email, "first-password")).rejects.toThrow(/Wrong e-mail or password/);
    expect(await trpcAccepts((await signIn(email, "second-password")).cookie)).toBe(true);
  });

  it("refuses the cookie after the user is disabled, and enabling again does not revive it", async () => {
    const { actor, email } = await newUser();
    const s = await signIn(email, "first-password");
    await setUserDisabled(admin, { userId: actor.userId, disabled: true });
    expect(await trpcAccepts(s.cookie)).toBe(false);
    await setUserDisabled(admin, { userId: actor.userId, disabled: false });
    expect(await actorOfCookie(s.cookie)).toBeNull();
    expect(await trpcAccepts(s.cookie)).toBe(false);
  });

  it("refuses the cookie after a role change", async () => {
    const { actor, email } = await newUser();
    const s = await signIn(email, "first-password");
    await setUserRoles(admin, { userId: actor.userId, roles: ["viewer"] });
    expect(await actorOfCookie(s.cookie)).toBeNull();
    expect(await trpcAccepts(s.cookie)).toBe(false);
    const again = await signIn(email, "first-password");
    expect(await actorOfCookie(again.cookie)).toMatchObject({ roles: ["viewer"] });
    // saving the same roles again changes nothing, and ends nothing
    await setUserRoles(admin, { userId: actor.userId, roles: ["viewer"] });
    expect(await trpcAccepts(again.cookie)).toBe(true);
  });

  it("refuses a validly signed JWT without a session version (made before sessions could be revoked)", async () => {
    const { actor } = await newUser();
    const value = await encode({ token: { sub: actor.userId, teamId }, secret: authSecret() });
    expect(await actorOfCookie(`next-auth.session-token=${value}`)).toBeNull();
    await expect(callbacks.jwt({ token: { sub: actor.userId } })).rejects.toThrow(/session was ended/);
  });

  it("refuses a JWT signed with another secret, whatever its version", async () => {
    const { actor } = await newUser();
    const row = await db.user.findUniqueOrThrow({ where: { id: actor.userId } });
    const value = await encode({ token: { sub: actor.userId, teamId, sv: row.sessionVersion + 1 }, secret: "not-the-secret-of-this-server" });
    expect(await actorOfCookie(`next-auth.session-token=${value}`)).toBeNull();
  });
});
