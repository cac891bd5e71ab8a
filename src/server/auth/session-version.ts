/**
 * Session revocation. A session is a JWT (NextAuth, no server-side session row), so it cannot be
 * deleted; instead each user has a `sessionVersion`, copied into the JWT at sign-in (`sv`) and
 * compared on every request that turns a session into an actor (src/server/auth/actor.ts). Bumping
 * the version ends every session of that user at once: sign-out, password reset, disabling and
 * role changes do it. API tokens are separate credentials (revoked one by one, or by disabling).
 */
import { db } from "~/server/db";

/**
 * Spread into a user update (`data: { ..., ...REVOKE_SESSIONS }`) to end every session of the user
 * in the same write: the next request with an older cookie is anonymous.
 */
export const REVOKE_SESSIONS = { sessionVersion: { increment: 1 } } as const;

/**
 * Sign-out of one session: ends the user's sessions only if this session is still current, so a
 * cookie that was revoked already cannot sign its user out of their newer sessions.
 */
export async function endSession(userId: string, sessionVersion: number): Promise<boolean> {
  const r = await db.user.updateMany({ where: { id: userId, sessionVersion }, data: { sessionVersion: { increment: 1 } } });
  return r.count > 0;
}

/** Whether a session's version is the user's current one (and the user may still sign in). */
export async function isSessionCurrent(userId: string, sessionVersion: unknown): Promise<boolean> {
  if (typeof sessionVersion !== "number") return false;
  const user = await db.user.findUnique({ where: { id: userId }, select: { sessionVersion: true, disabled: true } });
  return !!user && !user.disabled && user.sessionVersion === sessionVersion;
}
