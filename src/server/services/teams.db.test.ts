/**
 * A second team, created by an admin of the first with its own first admin: the two see nothing
 * of each other (runs, gates, audit rows, artifacts), and the new admin can sign in.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { actorFromUser, type Actor } from "~/server/auth/actor";
import { verifyPassword } from "~/server/auth/password";
import { db } from "~/server/db";
import { createTeam as seedTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { getApproval, listApprovals } from "./approvals";
import { listAudit } from "./audit/list-audit";
import { listArtifacts } from "./artifacts";
import { getRun, listRuns, startRun } from "./runs";
import { createTeam, listTeams, ZCreateTeam } from "./teams";
import { saveWorkflow } from "./workflows";

let adminA: Actor;
const a = () => adminA.teamId;

describe("teams", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const a = await seedTeam("Alpha");
    adminA = await createUserWithRoles(a.id, "admin@alpha.io", ["admin"]);
    await saveWorkflow(a, { yaml: "name: gated\nsteps:\n  - { id: review, type: approval }\n" });
  });

  it("creates a team with its first admin, who belongs to it alone; names and e-mails are unique", async () => {
    // As the API receives it: the e-mail is normalised by the input schema.
    const team = await createTeam(adminA, ZCreateTeam.parse({ name: " Beta ", admin: { email: "Boss@Beta.io", password: "password-123", name: "Boss" } }));
    expect(team).toMatchObject({ name: "Beta", admin: { email: "boss@beta.io" } });
    const memberships = await db.membership.findMany({ where: { teamId: team.id } });
    expect(memberships.map((m) => [m.userId, m.role])).toEqual([[team.admin.id, "admin"]]);
    const user = await db.user.findUniqueOrThrow({ where: { id: team.admin.id } });
    expect(await verifyPassword("password-123", user.passwordHash)).toBe(true);
    expect(await db.membership.count({ where: { userId: adminA.userId, teamId: team.id } })).toBe(0);
    await expect(createTeam(adminA, { name: "Beta", admin: { email: "other@beta.io", password: "password-123" } })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(createTeam(adminA, { name: "Gamma", admin: { email: "admin@alpha.io", password: "password-123" } })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await db.team.count({ where: { name: "Gamma" } })).toBe(0);
  });

  it("the new team's admin sees no run, gate, audit row or artifact of the first team", async () => {
    const run = await startRun(adminA, { workflow: "gated", approvalMode: "interactive" });
    let gateId: string | undefined;
    for (let i = 0; i < 500 && !gateId; i++) {
      gateId = (await listApprovals(adminA, { runId: run.id }))[0]?.id;
      if (!gateId) await new Promise((r) => setTimeout(r, 20));
    }
    if (!gateId) throw new Error("no gate");
    expect((await listAudit(adminA, {})).length).toBeGreaterThan(0);

    const team = await createTeam(adminA, { name: "Delta", admin: { email: "boss@delta.io", password: "password-123" } });
    const boss = await actorFromUser(team.admin.id, team.id);
    if (!boss) throw new Error("no actor");
    expect(boss.teamName).toBe("Delta");
    expect((await listRuns(boss, { limit: 50 })).items).toEqual([]);
    expect(await listApprovals(boss, {})).toEqual([]);
    expect(await listAudit(boss, {})).toEqual([]);
    await expect(getRun(boss, run.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getApproval(boss, gateId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(listArtifacts(boss, { id: run.id, stepId: "review" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("lists the teams an admin belongs to and those created from their team, with member counts; no other", async () => {
    const other = await seedTeam("Omega");
    const stranger = await createUserWithRoles(other.id, "admin@omega.io", ["admin"]);
    const made = await createTeam(stranger, { name: "Omega spin-off", admin: { email: "boss@omegaspin.io", password: "password-123" } });
    await createUserWithRoles(a(), "second@alpha.io", ["viewer", "operator"]);

    const seen = await listTeams(adminA);
    expect(seen.map((t) => [t.name, t.relation, t.current])).toEqual([
      ["Alpha", "member", true],
      ["Beta", "created", false],
      ["Delta", "created", false],
    ]);
    // A user with two roles counts once.
    expect(seen.find((t) => t.name === "Alpha")?.members).toBe(2);
    expect(seen.find((t) => t.name === "Beta")?.members).toBe(1);
    expect(seen.every((t) => t.createdAt instanceof Date)).toBe(true);

    const boss = await actorFromUser(made.admin.id, made.id);
    if (!boss) throw new Error("no actor");
    expect((await listTeams(boss)).map((t) => t.name)).toEqual(["Omega spin-off"]);
    expect((await listTeams(stranger)).map((t) => t.name)).toEqual(["Omega", "Omega spin-off"]);
  });
});
