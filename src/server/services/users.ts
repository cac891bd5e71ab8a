/** Users and their roles in the actor's team (admin only; enforced by the router's permission). */
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { hashPassword } from "~/server/auth/password";
import { REVOKE_SESSIONS } from "~/server/auth/session-version";
import { ROLES, ZRole, type Role } from "~/server/auth/permissions";
import { db } from "~/server/db";
import { isUniqueViolation } from "~/server/db/unique-violation";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import { forgetSignInFailures } from "./sign-in";
import { recordAudit } from "./audit/record-audit";
import { MAX_EMAIL_CHARS } from "./input-limits";

export const ZPassword = z.string().min(8, "Passwords have at least 8 characters.").max(200);
export const ZEmail = z.email("Enter a valid e-mail address.").max(MAX_EMAIL_CHARS, `An e-mail address has at most ${MAX_EMAIL_CHARS} characters.`).transform((e) => e.trim().toLowerCase());

export const ZUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  disabled: z.boolean(),
  roles: z.array(ZRole),
  createdAt: z.date(),
});
export type TUser = z.infer<typeof ZUser>;

export const ZCreateUser = z.object({
  email: ZEmail,
  name: z.string().max(200).optional(),
  password: ZPassword,
  roles: z.array(ZRole).min(1, "Give the user at least one role.").max(ROLES.length).default(["viewer"]),
});

function toUser(u: { id: string; email: string; name: string | null; disabled: boolean; createdAt: Date }, roles: Role[]): TUser {
  return { id: u.id, email: u.email, name: u.name, disabled: u.disabled, createdAt: u.createdAt, roles: sortRoles(roles) };
}

/** What the audit log keeps of a user (never the password hash). */
function auditUser(u: { email: string; name: string | null; disabled: boolean }, roles: Role[]) {
  return { email: u.email, name: u.name, disabled: u.disabled, roles: sortRoles(roles) };
}

function rolesOf(rows: { role: string }[]): Role[] {
  return rows.flatMap((m) => {
    const r = ZRole.safeParse(m.role);
    return r.success ? [r.data] : [];
  });
}

function sortRoles(roles: Role[]): Role[] {
  return [...new Set(roles)].sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b));
}

export async function listUsers(actor: Actor): Promise<TUser[]> {
  const members = await db.membership.findMany({ where: { teamId: actor.teamId }, include: { user: true }, orderBy: { createdAt: "asc" } });
  const byUser = new Map<string, { user: (typeof members)[number]["user"]; roles: Role[] }>();
  for (const m of members) {
    const role = ZRole.safeParse(m.role);
    const entry = byUser.get(m.userId) ?? { user: m.user, roles: [] };
    if (role.success) entry.roles.push(role.data);
    byUser.set(m.userId, entry);
  }
  return [...byUser.values()].map((e) => toUser(e.user, e.roles));
}

/**
 * The one answer for an e-mail address that is taken outside the caller's team: it says neither
 * that the address exists nor where, so an admin cannot probe other teams' members with it.
 */
export const EMAIL_UNAVAILABLE = "This e-mail address cannot be used for a new account. Use another address.";

/**
 * The answer for an e-mail address that belongs to a user already: by name when that user is in
 * the caller's own team (the admin sees them in the list anyway), else the neutral EMAIL_UNAVAILABLE.
 */
export async function emailTaken(actor: Actor, email: string): Promise<AppError> {
  const own = await db.membership.findFirst({ where: { teamId: actor.teamId, user: { email } }, select: { id: true } });
  return new AppError("CONFLICT", own ? `${email} is a member of team ${actor.teamName} already.` : EMAIL_UNAVAILABLE);
}

export async function createUser(actor: Actor, input: z.infer<typeof ZCreateUser>): Promise<TUser> {
  // No look-up first: every address pays the same bcrypt hash and insert attempt, and a taken one
  // is only known from the unique index refusing it, so time tells no more than the answer.
  const passwordHash = await hashPassword(input.password);
  const roles = sortRoles(input.roles);
  const user = await db
    .$transaction(async (tx) => {
      const created = await tx.user.create({
        data: {
          id: newId("usr"),
          email: input.email,
          name: input.name ?? null,
          passwordHash,
          memberships: { create: roles.map((role) => ({ id: newId("mem"), teamId: actor.teamId, role })) },
        },
      });
      await recordAudit({ prisma: tx }, actor, { action: "user.created", targetId: created.id, after: auditUser(created, roles) });
      return created;
    })
    .catch(async (e: unknown) => {
      throw isUniqueViolation(e) ? await emailTaken(actor, input.email) : e;
    });
  return toUser(user, roles);
}

/** Loads a user of the actor's team; another team's user answers NOT_FOUND. */
async function userInTeam(actor: Actor, userId: string) {
  const user = await db.user.findFirst({ where: { id: userId, memberships: { some: { teamId: actor.teamId } } } });
  if (!user) throw new AppError("NOT_FOUND", `No user ${userId} in team ${actor.teamName}.`);
  return user;
}

async function assertNotLastAdmin(actor: Actor, userId: string) {
  const admins = await db.membership.findMany({ where: { teamId: actor.teamId, role: "admin", user: { disabled: false } } });
  if (admins.length === 1 && admins[0]?.userId === userId) {
    throw new AppError("PRECONDITION_FAILED", "This is the team's last active admin: make another admin first.");
  }
}

export async function setUserRoles(actor: Actor, input: { userId: string; roles: Role[] }): Promise<TUser> {
  const user = await userInTeam(actor, input.userId);
  const roles = sortRoles(input.roles);
  if (!roles.includes("admin")) await assertNotLastAdmin(actor, user.id);
  await db.$transaction(async (tx) => {
    const before = sortRoles(rolesOf(await tx.membership.findMany({ where: { userId: user.id, teamId: actor.teamId } })));
    await tx.membership.deleteMany({ where: { userId: user.id, teamId: actor.teamId } });
    await tx.membership.createMany({ data: roles.map((role) => ({ id: newId("mem"), userId: user.id, teamId: actor.teamId, role })) });
    if (before.join() !== roles.join()) {
      // A role change ends the user's sessions: they sign in again under the new roles.
      await tx.user.update({ where: { id: user.id }, data: { ...REVOKE_SESSIONS } });
      await recordAudit({ prisma: tx }, actor, { action: "user.roles_changed", targetId: user.id, before: { email: user.email, roles: before }, after: { email: user.email, roles } });
    }
  });
  return toUser(user, roles);
}

export async function setUserDisabled(actor: Actor, input: { userId: string; disabled: boolean }): Promise<TUser> {
  const user = await userInTeam(actor, input.userId);
  if (input.disabled) {
    if (user.id === actor.userId) throw new AppError("PRECONDITION_FAILED", "You cannot disable yourself.");
    await assertNotLastAdmin(actor, user.id);
  }
  const roles = rolesOf(await db.membership.findMany({ where: { userId: user.id, teamId: actor.teamId } }));
  const updated = await db.$transaction(async (tx) => {
    // Disabling ends the user's sessions for good: enabling again does not revive them.
    const row = await tx.user.update({ where: { id: user.id }, data: { disabled: input.disabled, ...(input.disabled ? REVOKE_SESSIONS : {}) } });
    if (user.disabled !== input.disabled) {
      await recordAudit({ prisma: tx }, actor, {
        action: input.disabled ? "user.disabled" : "user.enabled",
        targetId: user.id,
        before: auditUser(user, roles),
        after: auditUser(row, roles),
      });
    }
    return row;
  });
  return toUser(updated, roles);
}

export async function resetUserPassword(actor: Actor, input: { userId: string; password: string }): Promise<{ ok: true }> {
  const user = await userInTeam(actor, input.userId);
  const passwordHash = await hashPassword(input.password);
  await db.$transaction(async (tx) => {
    // The new password ends every session of the user (also one opened with the old password).
    await tx.user.update({ where: { id: user.id }, data: { passwordHash, ...REVOKE_SESSIONS } });
    // (Who and when is the record: neither the old nor the new password or hash.)
    await recordAudit({ prisma: tx }, actor, { action: "user.password_reset", targetId: user.id, after: { email: user.email } });
  });
  await forgetSignInFailures(user.email);
  return { ok: true };
}
