/**
 * Sign-in throttling is keyed by (account, source address), plus a looser count per address: a
 * stranger's failures from address A slow A down and never lock the account's owner out on B.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { db } from "~/server/db";
import { resetUserPassword } from "~/server/services/users";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import type { Actor } from "~/server/auth/actor";
import { ADDRESS_FREE, addressBucket, lockoutMs, PAIR_FREE, signInWithPassword, WRONG_CREDENTIALS } from "./sign-in";

const A = "203.0.113.7";
const B = "198.51.100.20";
const LOCKED = /Too many failed sign-ins. Try again in \d+ s/;

describe("signInWithPassword", () => {
  let teamId: string;
  let admin: Actor;
  let n = 0;
  const newUser = async (password = "right-password") => {
    const email = `user${++n}@x.io`;
    const actor = await createUserWithRoles(teamId, email, ["viewer"], password);
    return { email, actor };
  };
  const fail = (email: string, address: string) => signInWithPassword(email, "nope", address);

  beforeAll(async () => {
    await migrateTestDb();
    const t = await createTeam("T");
    teamId = t.id;
    admin = await createUserWithRoles(t.id, "admin@x.io", ["admin"]);
    expect(env.LOGIN_THROTTLE_BASE_MS).toBe(1000);
  });

  it("accepts the right password, case-insensitively on the e-mail", async () => {
    const { email } = await newUser();
    await expect(signInWithPassword(` ${email.toUpperCase()} `, "right-password", A)).resolves.toMatchObject({ userId: expect.any(String), sessionVersion: 0 });
  });

  it("says the same for a wrong password and an unknown e-mail", async () => {
    const { email } = await newUser();
    await expect(fail(email, A)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(fail("ghost@x.io", A)).rejects.toThrow(WRONG_CREDENTIALS);
  });

  it("slows repeated failures from one address down, then refuses that address until the lock expires", async () => {
    const { email } = await newUser();
    await expect(fail(email, A)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(fail(email, A)).rejects.toThrow(WRONG_CREDENTIALS);
    const t0 = Date.now();
    await expect(fail(email, A)).rejects.toThrow(WRONG_CREDENTIALS);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550); // third failure answers after >= 600 ms
    // Locked on A now: even the right password is refused from there, with the time to wait.
    await expect(signInWithPassword(email, "right-password", A)).rejects.toThrow(LOCKED);
  });

  it("many wrong passwords from A for U do not stop U signing in from B; A keeps getting backoff", async () => {
    const { email } = await newUser();
    let locked = 0;
    for (let i = 0; i < 8; i++) {
      await fail(email, A).catch((e: Error) => {
        if (LOCKED.test(e.message)) locked++;
        else expect(e.message).toBe(WRONG_CREDENTIALS);
      });
    }
    expect(locked).toBeGreaterThanOrEqual(8 - PAIR_FREE);
    await expect(signInWithPassword(email, "right-password", B)).resolves.toMatchObject({ userId: expect.any(String) });
    await expect(signInWithPassword(email, "right-password", A)).rejects.toThrow(LOCKED);
  });

  it("counts unknown e-mails the same way (the lock does not tell whether the account exists)", async () => {
    for (let i = 0; i < PAIR_FREE; i++) await expect(fail("nobody@x.io", A)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(fail("nobody@x.io", A)).rejects.toThrow(LOCKED);
  });

  it("parallel guesses from one address cannot slip past the count", async () => {
    const { email } = await newUser();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => fail(email, "192.0.2.99")));
    const messages = results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "signed in"));
    expect(messages.filter((m) => m === WRONG_CREDENTIALS)).toHaveLength(PAIR_FREE);
    expect(messages.filter((m) => LOCKED.test(m))).toHaveLength(10 - PAIR_FREE);
  });

  it("a looser limit per address covers guesses spread over many accounts; other addresses are unaffected", async () => {
    const spray = "192.0.2.50";
    for (let i = 0; i < ADDRESS_FREE; i++) await expect(fail(`spray${i}@x.io`, spray)).rejects.toThrow(WRONG_CREDENTIALS);
    const { email } = await newUser();
    // a fresh account, never failed before: refused from that address, fine from another
    await expect(signInWithPassword(email, "right-password", spray)).rejects.toThrow(LOCKED);
    await expect(signInWithPassword(email, "right-password", B)).resolves.toMatchObject({ userId: expect.any(String) });
  }, 30_000);

  it("a success forgets the account's failures from that address, not the address's own count", async () => {
    const { email } = await newUser();
    const addr = "192.0.2.60";
    await expect(fail(email, addr)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(fail(email, addr)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(signInWithPassword(email, "right-password", addr)).resolves.toBeDefined();
    // two failures again are free once more (the pair's count restarted)
    await expect(fail(email, addr)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(fail(email, addr)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(signInWithPassword(email, "right-password", addr)).resolves.toBeDefined();
    // ...while the address's own count still holds all four (one valid account cannot reset it)
    const own = await db.signInThrottle.findUnique({ where: { account_address: { account: "", address: addr } } });
    expect(own?.failures).toBe(4);
  });

  it("an admin's password reset forgets the account's failures everywhere", async () => {
    const { email, actor } = await newUser();
    for (let i = 0; i < PAIR_FREE; i++) await fail(email, A).catch(() => undefined);
    await expect(signInWithPassword(email, "right-password", A)).rejects.toThrow(LOCKED);
    await resetUserPassword(admin, { userId: actor.userId, password: "new-password-1" });
    await expect(signInWithPassword(email, "new-password-1", A)).resolves.toBeDefined();
  });

  it("grows the lock exponentially, capped", () => {
    expect([0, 1, 2].map((n) => lockoutMs(n, 3, 1000))).toEqual([0, 0, 0]);
    expect([3, 4, 5].map((n) => lockoutMs(n, 3, 1000))).toEqual([1000, 2000, 4000]);
    expect(lockoutMs(40, 3, 1000)).toBe(15 * 60_000);
    expect(lockoutMs(ADDRESS_FREE - 1, ADDRESS_FREE, 1000)).toBe(0);
  });

  it("counts IPv6 by /64 and IPv4 by address", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("2001:db8:aa:bb:1:2:3:4")).toBe("2001:db8:aa:bb::/64");
    expect(addressBucket("2001:db8:aa:bb::9")).toBe("2001:db8:aa:bb::/64");
    expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
  });
});
