/** Test fixtures on a real database: migrate, then teams and users with roles. */
import { env } from "~/env";
import { actorFromUser, type Actor } from "~/server/auth/actor";
import { hashPassword } from "~/server/auth/password";
import type { Role } from "~/server/auth/permissions";
import { db } from "~/server/db";
import { migrate } from "~/server/db/migrate";
import { newId } from "~/server/ids";

export async function migrateTestDb(): Promise<void> {
  await migrate({ databaseUrl: env.DATABASE_URL, synchronous: "NORMAL" });
}

let passwordHash: string | undefined;

export async function createTeam(name: string): Promise<{ id: string; name: string }> {
  return db.team.create({ data: { id: newId("team"), name } });
}

export async function createUserWithRoles(teamId: string, email: string, roles: Role[], password = "password-123"): Promise<Actor> {
  passwordHash ??= await hashPassword(password);
  const user = await db.user.create({
    data: {
      id: newId("usr"),
      email,
      passwordHash: password === "password-123" ? passwordHash : await hashPassword(password),
      memberships: { create: roles.map((role) => ({ id: newId("mem"), teamId, role })) },
    },
  });
  const actor = await actorFromUser(user.id, teamId);
  if (!actor) throw new Error("seeded user has no actor");
  return actor;
}
