/**
 * API tokens: secret shown once, stored hashed, bound to a team, a user and a role. Every user may
 * create personal tokens (the CLI as themselves); admins (token.manage) also for another member.
 * A token never exceeds its user: at creation its role must be covered by the user's current
 * permissions (and the creator's own), and at use it is capped again by the user's roles then
 * (src/server/auth/permissions.ts tokenPermissions), so a demotion caps every token at once.
 */
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { permissionsOf, ROLE_PERMISSIONS, rolesCoveredBy, ZRole, type Role } from "~/server/auth/permissions";
import { hashToken, tokenPrefix } from "~/server/auth/tokens";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { newId, newTokenSecret } from "~/server/ids";
import { recordAudit } from "./audit/record-audit";

export const ZCreateToken = z.object({
  name: z.string().trim().min(1, "Name the token (what uses it).").max(100),
  role: ZRole,
  /** the user the token acts as, by id or e-mail; default: the caller (others: admins only) */
  user: z.string().trim().min(1).max(320).optional(),
});

export const ZToken = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: ZRole,
  user: z.object({ id: z.string(), email: z.string() }),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type TToken = z.infer<typeof ZToken>;

type Row = Awaited<ReturnType<typeof db.apiToken.findMany<{ include: { user: true } }>>>[number];

/** What the audit log keeps of a token: never its secret or hash (the prefix is what the list shows). */
function auditToken(t: TToken) {
  return { name: t.name, prefix: t.prefix, role: t.role, user: t.user, revokedAt: t.revokedAt?.toISOString() ?? null };
}

function toToken(t: Row): TToken {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: ZRole.parse(t.role),
    user: { id: t.user.id, email: t.user.email },
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

/** Whether the actor sees and manages every token of the team, or only their own. */
function managesTeamTokens(actor: Actor): boolean {
  return actor.permissions.has("token.manage");
}

/** Admins: the team's tokens. Everyone else: their own. */
export async function listTokens(actor: Actor): Promise<TToken[]> {
  const rows = await db.apiToken.findMany({
    where: { teamId: actor.teamId, ...(managesTeamTokens(actor) ? {} : { userId: actor.userId }) },
    include: { user: true },
    orderBy: { createdAt: "desc" },
  });
  return rows.map(toToken);
}

/** The roles a token made by `actor` for themselves may have: those their own permissions cover. */
export function tokenRolesFor(actor: Pick<Actor, "permissions">): Role[] {
  return rolesCoveredBy(actor.permissions);
}

/** The member of the actor's team that `ref` (an id or an e-mail) names; another team's is not found. */
async function memberOf(actor: Actor, ref: string) {
  const byEmail = ref.includes("@");
  const user = await db.user.findFirst({
    where: { ...(byEmail ? { email: ref.toLowerCase() } : { id: ref }), memberships: { some: { teamId: actor.teamId } } },
    include: { memberships: { where: { teamId: actor.teamId } } },
  });
  if (!user) throw new AppError("NOT_FOUND", `No user ${ref} in team ${actor.teamName}.`);
  return user;
}

export async function createToken(actor: Actor, input: z.infer<typeof ZCreateToken>): Promise<{ id: string; secret: string; token: TToken }> {
  if (actor.via === "token" && !managesTeamTokens(actor)) {
    // A leaked CLI token must not be able to mint more (revoking it would then not be enough).
    throw new AppError("FORBIDDEN", "An API token cannot create tokens: sign in to the web app to create one.");
  }
  const ref = input.user ?? actor.userId;
  // Decided before any look-up: a non-admin learns nothing of who else is in the team.
  if (ref !== actor.userId && ref.toLowerCase() !== actor.email && !managesTeamTokens(actor)) {
    throw new AppError("FORBIDDEN", `Only admins create tokens for other users: leave out "user" to create your own token.`);
  }
  const target = await memberOf(actor, ref);
  if (target.disabled) throw new AppError("PRECONDITION_FAILED", `${target.email} is disabled: a token for them would not work.`);
  // Capped by the user's current roles, and by what the creator holds (a capped token or a demoted
  // admin cannot mint more than they have).
  const userPerms = permissionsOf(target.memberships.flatMap((m) => { const r = ZRole.safeParse(m.role); return r.success ? [r.data] : []; }));
  const missing = ROLE_PERMISSIONS[input.role].filter((p) => !userPerms.has(p) || !actor.permissions.has(p));
  if (missing.length > 0) {
    const allowed = rolesCoveredBy(new Set([...userPerms].filter((p) => actor.permissions.has(p))));
    throw new AppError(
      "FORBIDDEN",
      `A token cannot exceed its user's roles: role ${input.role} needs ${missing.join(", ")}, which ${target.email} does not have in team ${actor.teamName}. Choose ${allowed.length ? `one of: ${allowed.join(", ")}` : "another user"}.`,
    );
  }
  const secret = newTokenSecret();
  const token = await db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: {
        id: newId("tok"),
        name: input.name,
        prefix: tokenPrefix(secret),
        hash: hashToken(secret),
        teamId: actor.teamId,
        userId: target.id,
        role: input.role,
        createdById: actor.userId,
      },
      include: { user: true },
    });
    const created = toToken(row);
    await recordAudit({ prisma: tx }, actor, { action: "token.created", targetId: row.id, after: auditToken(created) });
    return created;
  });
  return { id: token.id, secret, token };
}

export async function revokeToken(actor: Actor, id: string): Promise<TToken> {
  return db.$transaction(async (tx) => {
    // Someone else's token, for a non-admin, is as unknown as a token that does not exist.
    const row = await tx.apiToken.findFirst({ where: { id, teamId: actor.teamId, ...(managesTeamTokens(actor) ? {} : { userId: actor.userId }) }, include: { user: true } });
    if (!row) throw new AppError("NOT_FOUND", `No token ${id} in team ${actor.teamName}.`);
    if (row.revokedAt) return toToken(row);
    const updated = toToken(await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, include: { user: true } }));
    await recordAudit({ prisma: tx }, actor, { action: "token.revoked", targetId: id, before: auditToken(toToken(row)), after: auditToken(updated) });
    return updated;
  });
}
