/**
 * First-start set-up, idempotent: the default team, the first admin (from ADMIN_EMAIL /
 * ADMIN_PASSWORD, or later from the one-time setup page), and the ADMIN_API_TOKEN. A second start
 * finds everything in place and changes nothing.
 */
import type { Env } from "~/env";
import { hashPassword } from "~/server/auth/password";
import { hashToken, tokenPrefix } from "~/server/auth/tokens";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import { logger } from "~/server/logger";
import { recordAudit } from "./audit/record-audit";
import { loadWorkflowFiles } from "./workflows";

export const DEFAULT_TEAM = "Default";

export async function ensureDefaultTeam(): Promise<{ id: string; name: string }> {
  const existing = await db.team.findFirst({ orderBy: { createdAt: "asc" } });
  if (existing) return existing;
  return db.team.upsert({ where: { name: DEFAULT_TEAM }, update: {}, create: { id: newId("team"), name: DEFAULT_TEAM } });
}

export async function needsSetup(): Promise<boolean> {
  return (await db.user.count()) === 0;
}

/**
 * Creates the first admin. Refused once any user exists, so the setup page is one-time; the unique
 * e-mail makes two racing set-ups end with one admin.
 */
export async function createFirstAdmin(input: { email: string; password: string; name?: string }, e?: Pick<Env, "ADMIN_API_TOKEN">) {
  if (!(await needsSetup())) throw new AppError("FORBIDDEN", "Setup is already done: sign in instead.");
  const team = await ensureDefaultTeam();
  const user = await db.user.create({
    data: {
      id: newId("usr"),
      email: input.email.trim().toLowerCase(),
      name: input.name ?? "Admin",
      passwordHash: await hashPassword(input.password),
      memberships: { create: [{ id: newId("mem"), teamId: team.id, role: "admin" }] },
    },
  });
  if ((await db.user.count()) > 1) {
    await db.user.delete({ where: { id: user.id } });
    throw new AppError("FORBIDDEN", "Setup is already done: sign in instead.");
  }
  // (Its own transaction: the user's row must be committed before the count above can tell a race.)
  await db.$transaction((tx) =>
    recordAudit({ prisma: tx }, { system: "setup", teamId: team.id }, { action: "user.created", targetId: user.id, after: { email: user.email, name: user.name, disabled: false, roles: ["admin"] } }),
  );
  logger.info({ email: user.email, team: team.name }, "first admin created");
  if (e?.ADMIN_API_TOKEN) await ensureAdminToken(e.ADMIN_API_TOKEN);
  return user;
}

/** Makes sure an admin API token with exactly this secret exists (acting as the team's first admin). */
export async function ensureAdminToken(secret: string): Promise<void> {
  const hash = hashToken(secret);
  const existing = await db.apiToken.findUnique({ where: { hash } });
  if (existing) {
    if (existing.revokedAt) logger.warn("ADMIN_API_TOKEN was revoked in the UI; it stays revoked (set a new value to replace it)");
    return;
  }
  const admin = await db.membership.findFirst({ where: { role: "admin", user: { disabled: false } }, orderBy: { createdAt: "asc" } });
  if (!admin) {
    logger.info("ADMIN_API_TOKEN is set; it will be created once the first admin exists");
    return;
  }
  await db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: {
        id: newId("tok"),
        name: "ADMIN_API_TOKEN",
        prefix: tokenPrefix(secret),
        hash,
        teamId: admin.teamId,
        userId: admin.userId,
        role: "admin",
      },
      include: { user: true },
    });
    await recordAudit({ prisma: tx }, { system: "system", teamId: admin.teamId }, {
      action: "token.created",
      targetId: row.id,
      after: { name: row.name, prefix: row.prefix, role: row.role, user: { id: row.user.id, email: row.user.email }, source: "ADMIN_API_TOKEN" },
    });
  });
  logger.info("admin API token from ADMIN_API_TOKEN created");
}

export async function bootstrap(e: Env): Promise<{ setupPending: boolean }> {
  const team = await ensureDefaultTeam();
  const loaded = await loadWorkflowFiles(team);
  const changed = loaded.filter((w) => w.created);
  if (changed.length) logger.info({ workflows: changed.map((w) => `${w.name}@${w.version}`) }, "workflows loaded from workflows/");
  if (await needsSetup()) {
    if (e.ADMIN_EMAIL && e.ADMIN_PASSWORD) {
      await createFirstAdmin({ email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD });
    } else {
      logger.warn("no users yet: open the app to create the first admin (or set ADMIN_EMAIL and ADMIN_PASSWORD)");
      return { setupPending: true };
    }
  }
  if (e.ADMIN_API_TOKEN) await ensureAdminToken(e.ADMIN_API_TOKEN);
  return { setupPending: false };
}
