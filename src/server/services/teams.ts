/**
 * Teams: an admin creates another team together with its first admin (a new user). The creator
 * does not join it: teams are isolated from each other (another team's objects answer NOT_FOUND),
 * and the new team's admin manages its members from there.
 */
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { hashPassword } from "~/server/auth/password";
import { db } from "~/server/db";
import { isUniqueViolation } from "~/server/db/unique-violation";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import { recordAudit } from "./audit/record-audit";
import { emailTaken, ZEmail, ZPassword } from "./users";

export const ZCreateTeam = z.object({
  name: z.string().trim().min(1, "Name the team.").max(100),
  /** the team's first admin: a new user */
  admin: z.object({ email: ZEmail, name: z.string().max(200).optional(), password: ZPassword }),
});

export const ZTeam = z.object({
  id: z.string(),
  name: z.string(),
  admin: z.object({ id: z.string(), email: z.string() }),
  createdAt: z.date(),
});

export async function createTeam(actor: Actor, input: z.infer<typeof ZCreateTeam>): Promise<z.infer<typeof ZTeam>> {
  if (await db.team.findUnique({ where: { name: input.name } })) throw new AppError("CONFLICT", `A team named ${input.name} exists already.`);
  // The first admin is a new user. As in createUser: no look-up of the address first, and the
  // neutral answer when the unique index refuses it, so creating a team tells no more.
  const passwordHash = await hashPassword(input.admin.password);
  const teamId = newId("team");
  const userId = newId("usr");
  const team = await db.$transaction(async (tx) => {
    const t = await tx.team.create({ data: { id: teamId, name: input.name, createdById: actor.userId, createdByTeamId: actor.teamId } });
    await tx.user.create({
      data: { id: userId, email: input.admin.email, name: input.admin.name ?? null, passwordHash, memberships: { create: [{ id: newId("mem"), teamId, role: "admin" }] } },
    });
    // In the creator's team (the new team's log starts empty: it learns nothing of the creator's).
    await recordAudit({ prisma: tx }, actor, { action: "team.created", targetId: teamId, after: { name: t.name, admin: { id: userId, email: input.admin.email } } });
    return t;
  }).catch(async (e: unknown) => {
    // The name (taken by a racing create) or the admin's address.
    if (!isUniqueViolation(e)) throw e;
    const nameTaken = await db.team.findUnique({ where: { name: input.name }, select: { id: true } });
    throw nameTaken ? new AppError("CONFLICT", `A team named ${input.name} exists already.`) : await emailTaken(actor, input.admin.email);
  });
  return { id: team.id, name: team.name, admin: { id: userId, email: input.admin.email }, createdAt: team.createdAt };
}

export const ZTeamSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** people in the team (a user with several roles counts once) */
  members: z.number().int(),
  createdAt: z.date(),
  /** the caller's own team (the one they act in now) */
  current: z.boolean(),
  /** how the caller knows it: a team they belong to, or one created from their current team */
  relation: z.enum(["member", "created"]),
});

/**
 * The teams an admin may know of: the ones they belong to, and the ones created from their current
 * team (Admin -> Teams). Other teams stay invisible (names included).
 */
export async function listTeams(actor: Actor): Promise<z.infer<typeof ZTeamSummary>[]> {
  const teams = await db.team.findMany({
    where: { OR: [{ memberships: { some: { userId: actor.userId } } }, { createdByTeamId: actor.teamId }] },
    include: { memberships: { select: { userId: true } } },
    orderBy: { createdAt: "asc" },
  });
  const mine = new Set((await db.membership.findMany({ where: { userId: actor.userId }, select: { teamId: true } })).map((m) => m.teamId));
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    members: new Set(t.memberships.map((m) => m.userId)).size,
    createdAt: t.createdAt,
    current: t.id === actor.teamId,
    relation: mine.has(t.id) ? "member" : "created",
  }));
}
