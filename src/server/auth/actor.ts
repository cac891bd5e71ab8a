/**
 * Who is calling: resolved on every request from the database (never from what the client claims).
 * A bearer token wins over a session cookie; an invalid bearer token is an error, not anonymous.
 */
import { decode } from "next-auth/jwt";
import { authSecret } from "~/env";
import { db } from "~/server/db";
import { hashToken } from "./tokens";
import { permissionsOf, tokenPermissions, tokenRoles, ZRole, type Permission, type Role } from "./permissions";

export type Actor = {
  userId: string;
  email: string;
  name: string | null;
  teamId: string;
  teamName: string;
  roles: Role[];
  permissions: Set<Permission>;
  via: "session" | "token";
  tokenId?: string;
};

export type ActorResult = { actor: Actor | null; authError?: string };

export const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

/** Last-used time is written at most this often per token, to keep reads read-only. */
const LAST_USED_RESOLUTION_MS = 60_000;

function parseRoles(rows: { role: string }[]): Role[] {
  return rows.map((r) => ZRole.safeParse(r.role)).flatMap((r) => (r.success ? [r.data] : []));
}

export async function actorFromToken(secret: string): Promise<ActorResult> {
  const token = await db.apiToken.findUnique({
    where: { hash: hashToken(secret) },
    include: { user: true, team: true },
  });
  if (!token || token.revokedAt || token.user.disabled) return { actor: null, authError: "invalid or revoked API token" };
  const tokenRole = ZRole.safeParse(token.role);
  if (!tokenRole.success) return { actor: null, authError: "invalid API token role" };
  const memberships = await db.membership.findMany({ where: { userId: token.userId, teamId: token.teamId } });
  const roles = parseRoles(memberships);
  const now = new Date();
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } });
  }
  return {
    actor: {
      userId: token.userId,
      email: token.user.email,
      name: token.user.name,
      teamId: token.teamId,
      teamName: token.team.name,
      roles: tokenRoles(roles, tokenRole.data),
      permissions: tokenPermissions(roles, tokenRole.data),
      via: "token",
      tokenId: token.id,
    },
  };
}

/**
 * The signed-in user's actor in their current team (the team chosen at sign-in, else their first).
 * With `sessionVersion` (a session's `sv`), null unless it is the user's current one: the same
 * lookup that loads the user revokes sessions ended since (src/server/auth/session-version.ts).
 */
export async function actorFromUser(
  userId: string,
  teamId: string | undefined,
  via: Actor["via"] = "session",
  sessionVersion?: number,
): Promise<Actor | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    include: { memberships: { include: { team: true }, orderBy: { createdAt: "asc" } } },
  });
  if (!user || user.disabled || user.memberships.length === 0) return null;
  if (sessionVersion !== undefined && user.sessionVersion !== sessionVersion) return null;
  const first = user.memberships[0];
  const chosen = user.memberships.find((m) => m.teamId === teamId) ?? first;
  if (!chosen) return null;
  const inTeam = user.memberships.filter((m) => m.teamId === chosen.teamId);
  const roles = parseRoles(inTeam);
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    teamId: chosen.teamId,
    teamName: chosen.team.name,
    roles,
    permissions: permissionsOf(roles),
    via,
  };
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/**
 * A session cookie's actor. Every way in that reads a session (tRPC, REST, artifact downloads, pages
 * and server components) comes through here, so a revoked session is refused everywhere. A JWT
 * without a session version (issued before sessions could be revoked) is refused too.
 */
export async function actorFromSessionToken(sessionToken: string | undefined): Promise<Actor | null> {
  if (!sessionToken) return null;
  const jwt = await decode({ token: sessionToken, secret: authSecret() }).catch(() => null);
  const userId = typeof jwt?.sub === "string" ? jwt.sub : undefined;
  if (!userId || typeof jwt?.sv !== "number") return null;
  return actorFromUser(userId, typeof jwt.teamId === "string" ? jwt.teamId : undefined, "session", jwt.sv);
}

export function sessionTokenFromCookieHeader(cookieHeader: string | null): string | undefined {
  for (const name of SESSION_COOKIES) {
    const v = readCookie(cookieHeader, name);
    if (v) return v;
  }
  return undefined;
}

export async function actorFromRequest(headers: Headers): Promise<ActorResult> {
  const authz = headers.get("authorization");
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m?.[1]) return { actor: null, authError: "Authorization header must be 'Bearer <token>'" };
    return actorFromToken(m[1]);
  }
  return { actor: await actorFromSessionToken(sessionTokenFromCookieHeader(headers.get("cookie"))) };
}
