/**
 * Another team's admin cannot learn which e-mail addresses exist: creating a user (or a team's
 * first admin) with an address taken in another team answers exactly as for any unusable address,
 * names neither the address's owner nor their team, and takes as long as creating a new user.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { createTeam as seedTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { createTeam } from "./teams";
import { createUser, EMAIL_UNAVAILABLE } from "./users";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function outcome(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: "OK", message: "" };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? "?", message: (e as Error).message };
  }
}

describe("e-mail privacy across teams", () => {
  let adminA: Actor;

  beforeAll(async () => {
    await migrateTestDb();
    const a = await seedTeam("Alpha");
    const b = await seedTeam("Bravo Secret");
    adminA = await createUserWithRoles(a.id, "admin@alpha.io", ["admin"]);
    await createUserWithRoles(b.id, "bob@bravo.io", ["viewer"]);
    await createUserWithRoles(a.id, "ann@alpha.io", ["viewer"]);
    // an account that belongs to no team at all
    await db.user.create({ data: { id: "usr_orphan", email: "orphan@nowhere.io", passwordHash: "x" } });
  });

  it("an address of another team (or of no team) gets the neutral answer, naming nobody", async () => {
    const other = await outcome(createUser(adminA, { email: "bob@bravo.io", password: "password-123", roles: ["viewer"] }));
    const orphan = await outcome(createUser(adminA, { email: "orphan@nowhere.io", password: "password-123", roles: ["viewer"] }));
    expect(other).toEqual({ code: "CONFLICT", message: EMAIL_UNAVAILABLE });
    expect(orphan).toEqual(other);
    expect(other.message).not.toMatch(/exist|bravo|bob|team/i);
    // a team's first admin: the same
    const team = await outcome(createTeam(adminA, { name: "Charlie", admin: { email: "bob@bravo.io", password: "password-123" } }));
    expect(team).toEqual(other);
    expect(await db.team.count({ where: { name: "Charlie" } })).toBe(0);
  });

  it("a member of the admin's own team is named (the admin sees them in the list anyway)", async () => {
    const own = await outcome(createUser(adminA, { email: "ann@alpha.io", password: "password-123", roles: ["viewer"] }));
    expect(own).toEqual({ code: "CONFLICT", message: "ann@alpha.io is a member of team Alpha already." });
  });

  it("an address in use answers after as long as a new user's creation (no timing oracle)", async () => {
    const taken: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < 7; i++) {
      let t0 = performance.now();
      await outcome(createUser(adminA, { email: "bob@bravo.io", password: "password-123", roles: ["viewer"] }));
      taken.push(performance.now() - t0);
      t0 = performance.now();
      await createUser(adminA, { email: `new${i}@alpha.io`, password: "password-123", roles: ["viewer"] });
      fresh.push(performance.now() - t0);
    }
    // Both pay the bcrypt hash (~60 ms here); before, the taken address answered in ~1 ms.
    expect(median(taken)).toBeGreaterThan(0.6 * median(fresh));
    console.info(`createUser median: taken address ${median(taken).toFixed(1)} ms, new address ${median(fresh).toFixed(1)} ms`);
  });

  it("racing creates of one new address: one user, the others a clear conflict (never a 500)", async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => outcome(createUser(adminA, { email: "race@alpha.io", password: "password-123", roles: ["viewer"] }))));
    expect(results.filter((r) => r.code === "OK")).toHaveLength(1);
    expect(results.filter((r) => r.code === "CONFLICT")).toHaveLength(3);
    expect(await db.user.count({ where: { email: "race@alpha.io" } })).toBe(1);
  });
});
