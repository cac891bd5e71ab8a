/**
 * Password sign-in with a slow-down: after 3 consecutive failures for an account, further attempts
 * are refused for base * 2^(failures-3) (capped at 15 min) and every failure answers after a delay.
 * Unknown e-mails are throttled in memory the same way and cost a bcrypt compare, so neither timing
 * nor messages tell which accounts exist.
 */
import { env } from "~/env";
import { DUMMY_HASH, verifyPassword } from "~/server/auth/password";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";

const FREE_ATTEMPTS = 3;
const MAX_LOCK_MS = 15 * 60_000;
const unknownFailures = new Map<string, { count: number; last: number }>();

export function lockoutMs(failures: number, baseMs = env.LOGIN_THROTTLE_BASE_MS): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_LOCK_MS, baseMs * 2 ** (failures - FREE_ATTEMPTS));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const WRONG_CREDENTIALS = "Wrong e-mail or password.";

export async function signInWithPassword(emailRaw: string, password: string): Promise<{ userId: string }> {
  const email = emailRaw.trim().toLowerCase();
  const now = Date.now();
  const user = await db.user.findUnique({ where: { email } });
  const failures = user ? user.failedLogins : (unknownFailures.get(email)?.count ?? 0);
  const last = user ? (user.lastFailedLoginAt?.getTime() ?? 0) : (unknownFailures.get(email)?.last ?? 0);
  const wait = lockoutMs(failures) - (now - last);
  if (wait > 0) {
    throw new AppError("TOO_MANY_REQUESTS", `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} s.`);
  }
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok || user.disabled) {
    if (user) {
      await db.user.update({ where: { id: user.id }, data: { failedLogins: { increment: 1 }, lastFailedLoginAt: new Date() } });
    } else {
      if (unknownFailures.size > 10_000) unknownFailures.clear();
      unknownFailures.set(email, { count: failures + 1, last: now });
    }
    logger.warn({ email, failures: failures + 1 }, "sign-in failed");
    // Every failure costs the caller time, more as failures pile up.
    await sleep(Math.min(2000, 200 * (failures + 1)));
    throw new AppError("UNAUTHORIZED", user?.disabled && ok ? "This account is disabled. Ask an admin." : WRONG_CREDENTIALS);
  }
  if (user.failedLogins > 0) await db.user.update({ where: { id: user.id }, data: { failedLogins: 0, lastFailedLoginAt: null } });
  unknownFailures.delete(email);
  return { userId: user.id };
}
