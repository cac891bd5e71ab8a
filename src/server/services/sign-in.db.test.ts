import { beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { lockoutMs, signInWithPassword, WRONG_CREDENTIALS } from "./sign-in";

describe("signInWithPassword", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const t = await createTeam("T");
    await createUserWithRoles(t.id, "ann@x.io", ["viewer"], "right-password");
  });

  it("accepts the right password, case-insensitively on the e-mail", async () => {
    await expect(signInWithPassword(" Ann@X.io ", "right-password")).resolves.toMatchObject({ userId: expect.any(String) });
  });

  it("says the same for a wrong password and an unknown e-mail", async () => {
    await expect(signInWithPassword("ann@x.io", "nope")).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(signInWithPassword("ghost@x.io", "nope")).rejects.toThrow(WRONG_CREDENTIALS);
  });

  it("slows repeated failures down, then refuses until the lock expires", async () => {
    await expect(signInWithPassword("ann@x.io", "nope")).rejects.toThrow(WRONG_CREDENTIALS);
    const t0 = Date.now();
    await expect(signInWithPassword("ann@x.io", "nope")).rejects.toThrow(WRONG_CREDENTIALS);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550); // third failure answers after >= 600 ms
    // Locked now: even the right password is refused with the time to wait.
    await expect(signInWithPassword("ann@x.io", "right-password")).rejects.toThrow(/Too many failed sign-ins. Try again in \d+ s/);
  });

  it("grows the lock exponentially, capped", () => {
    expect([0, 1, 2].map((n) => lockoutMs(n, 1000))).toEqual([0, 0, 0]);
    expect([3, 4, 5].map((n) => lockoutMs(n, 1000))).toEqual([1000, 2000, 4000]);
    expect(lockoutMs(40, 1000)).toBe(15 * 60_000);
  });
});
