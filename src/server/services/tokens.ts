/** API tokens: created by admins, secret shown once, stored hashed, bound to a team and role. */
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { ZRole } from "~/server/auth/permissions";
import { hashToken, tokenPrefix } from "~/server/auth/tokens";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { newId, newTokenSecret } from "~/server/ids";
import { recordAudit } from "./audit/record-audit";

export const ZCreateToken = z.object({
  name: z.string().trim().min(1, "Name the token (what uses it).").max(100),
  role: ZRole,
  /** the user the token acts as; default: the caller */
  user: z.string().optional(),
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

export async function listTokens(actor: Actor): Promise<TToken[]> {
  const rows = await db.apiToken.findMany({ where: { teamId: actor.teamId }, include: { user: true }, orderBy: { createdAt: "desc" } });
  return rows.map(toToken);
}

export async function createToken(actor: Actor, input: z.infer<typeof ZCreateToken>): Promise<{ id: string; secret: string; token: TToken }> {
  const userId = input.user ?? actor.userId;
  const member = await db.membership.findFirst({ where: { userId, teamId: actor.teamId } });
  if (!member) throw new AppError("NOT_FOUND", `No user ${userId} in team ${actor.teamName}.`);
  const secret = newTokenSecret();
  const token = await db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: {
        id: newId("tok"),
        name: input.name,
        prefix: tokenPrefix(secret),
        hash: hashToken(secret),
        teamId: actor.teamId,
        userId,
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
    const row = await tx.apiToken.findFirst({ where: { id, teamId: actor.teamId }, include: { user: true } });
    if (!row) throw new AppError("NOT_FOUND", `No token ${id} in team ${actor.teamName}.`);
    if (row.revokedAt) return toToken(row);
    const updated = toToken(await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, include: { user: true } }));
    await recordAudit({ prisma: tx }, actor, { action: "token.revoked", targetId: id, before: auditToken(toToken(row)), after: auditToken(updated) });
    return updated;
  });
}
