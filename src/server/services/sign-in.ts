/**
 * Password sign-in with a slow-down that a stranger cannot turn against an account's owner.
 *
 * Failures are counted per (account, source address) and, more loosely, per source address over
 * all accounts (SignInThrottle). Past PAIR_FREE failures of one account from one address (or
 * ADDRESS_FREE from one address), further attempts from that address are refused for
 * base * 2^(excess) (LOGIN_THROTTLE_BASE_MS, capped at 15 min), and every failure answers after a
 * delay. The account itself is never locked: its owner signing in from another address is not
 * slowed by anyone else's failures. Unknown e-mails are counted the same way (the key is the
 * e-mail, not the user) and cost the same bcrypt compare, so neither timing nor messages tell
 * which accounts exist. Attempts from one address are taken one at a time (per process), so
 * parallel guesses cannot slip past the count.
 *
 * The source address is src/server/http/client-address.ts's (IPv6 counted per /64: one host
 * usually holds the whole prefix).
 */
import { env } from "~/env";
import { DUMMY_HASH, verifyPassword } from "~/server/auth/password";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";

/** Failures of one account from one address before the slow-down. */
export const PAIR_FREE = 3;
/** Failures from one address, all accounts together, before the slow-down. */
export const ADDRESS_FREE = 20;
const MAX_LOCK_MS = 15 * 60_000;
/** A pair's count is forgotten after a day without failures (a success forgets it at once). */
const PAIR_FORGET_MS = 24 * 3600_000;
/** An address's count is forgotten after an hour without failures (successes do not reset it). */
const ADDRESS_FORGET_MS = 3600_000;
/** The row key of an address's own count. */
const ANY_ACCOUNT = "";

export function lockoutMs(failures: number, free = PAIR_FREE, baseMs = env.LOGIN_THROTTLE_BASE_MS): number {
  if (failures < free) return 0;
  return Math.min(MAX_LOCK_MS, baseMs * 2 ** Math.min(30, failures - free));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const WRONG_CREDENTIALS = "Wrong e-mail or password.";

/** IPv4 as is; IPv6 by its /64 prefix. */
export function addressBucket(address: string): string {
  if (!address.includes(":")) return address;
  const [head = "", tail = ""] = address.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const full = address.includes("::") ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t] : h;
  return `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier attempt from the same address has finished (this process). */
async function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  try {
    return await run;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}

type Count = { failures: number; lastFailureAt: number };

function remaining(c: Count | undefined, free: number, forgetMs: number, now: number): number {
  if (!c || now - c.lastFailureAt > forgetMs) return 0;
  const lock = lockoutMs(c.failures, free);
  return lock === 0 ? 0 : lock - (now - c.lastFailureAt);
}

/** The delay before a failure is answered, by the pair's count including it. */
function answerDelayMs(failures: number): number {
  return Math.min(2000, 200 * failures);
}

/**
 * Counts a failure. `at` is when its answer goes out (after the delay): a lock runs from the moment
 * the caller is told, so "try again in N s" holds from then on.
 */
async function recordFailure(account: string, address: string, prior: Count | undefined, forgetMs: number, now: number, at: number): Promise<number> {
  const fresh = !prior || now - prior.lastFailureAt > forgetMs;
  const row = await db.signInThrottle.upsert({
    where: { account_address: { account, address } },
    create: { account, address, failures: 1, lastFailureAt: BigInt(at) },
    update: fresh ? { failures: 1, lastFailureAt: BigInt(at) } : { failures: { increment: 1 }, lastFailureAt: BigInt(at) },
  });
  return row.failures;
}

/**
 * Checks an e-mail and password from `address`; returns the user and the session version to put
 * in the new session. Throws UNAUTHORIZED (wrong credentials, disabled) or TOO_MANY_REQUESTS.
 */
export async function signInWithPassword(emailRaw: string, password: string, address = "unknown"): Promise<{ userId: string; sessionVersion: number }> {
  const account = emailRaw.trim().toLowerCase();
  const bucket = addressBucket(address);
  const outcome = await oneAtATime(bucket, async (): Promise<{ userId: string; sessionVersion: number } | { failures: number; delay: number; error: AppError }> => {
    const now = Date.now();
    const rows = await db.signInThrottle.findMany({ where: { address: bucket, account: { in: [account, ANY_ACCOUNT] } } });
    const toCount = (r: (typeof rows)[number] | undefined): Count | undefined => (r ? { failures: r.failures, lastFailureAt: Number(r.lastFailureAt) } : undefined);
    const pair = toCount(rows.find((r) => r.account === account));
    const anyAccount = toCount(rows.find((r) => r.account === ANY_ACCOUNT));
    const wait = Math.max(remaining(pair, PAIR_FREE, PAIR_FORGET_MS, now), remaining(anyAccount, ADDRESS_FREE, ADDRESS_FORGET_MS, now));
    if (wait > 0) {
      throw new AppError("TOO_MANY_REQUESTS", `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} s.`);
    }
    const user = await db.user.findUnique({ where: { email: account } });
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      // Every failure costs the caller time, more as this account's failures from here pile up.
      const delay = answerDelayMs(pair && now - pair.lastFailureAt <= PAIR_FORGET_MS ? pair.failures + 1 : 1);
      const answeredAt = Date.now() + delay;
      const failures = await recordFailure(account, bucket, pair, PAIR_FORGET_MS, now, answeredAt);
      await recordFailure(ANY_ACCOUNT, bucket, anyAccount, ADDRESS_FORGET_MS, now, answeredAt);
      // Counts nobody looks at any more (old unknown e-mails, quiet addresses) are dropped.
      await db.signInThrottle.deleteMany({ where: { lastFailureAt: { lt: BigInt(now - PAIR_FORGET_MS) } } });
      logger.warn({ email: account, address: bucket, failures }, "sign-in failed");
      return { failures, delay, error: new AppError("UNAUTHORIZED", user?.disabled && ok ? "This account is disabled. Ask an admin." : WRONG_CREDENTIALS) };
    }
    if (pair) await db.signInThrottle.deleteMany({ where: { account, address: bucket } });
    return { userId: user.id, sessionVersion: user.sessionVersion };
  });
  if ("error" in outcome) {
    // The delay is served outside the queue: the count is recorded already, and others from the
    // address need not wait behind it.
    await sleep(outcome.delay);
    throw outcome.error;
  }
  return outcome;
}

/** Forgets an account's failures from every address (after an admin sets a new password). */
export async function forgetSignInFailures(email: string): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { account: email.trim().toLowerCase() } });
}
