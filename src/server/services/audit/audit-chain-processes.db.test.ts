/**
 * One team's audit chain written by three processes at once: two standalone workers open gates
 * (`gate.opened`, in the engine's transactions) while this process creates tokens, saves workflows
 * and starts runs (Prisma's and the engine store's transactions). The chain must stay one line:
 * every row links to the row before it, no two rows share a previous row, and it verifies.
 *
 *   prep (noop) ──► review (gate, opened by a worker process)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { killWorkerProcesses, spawnWorkerProcess } from "~/server/testing/worker-process";
import { startRun } from "../runs";
import { createToken } from "../tokens";
import { saveWorkflow, saveWorkflowAs } from "../workflows";
import { verifyAudit } from "./verify-audit";

const RUNS = 24;
let admin: Actor;
let teamId: string;

describe("audit chain across processes", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Busy");
    teamId = team.id;
    admin = await createUserWithRoles(team.id, "admin@busy.io", ["admin"]);
    await saveWorkflow(team, { yaml: "name: held\nsteps:\n  - { id: prep, type: noop }\n  - { id: review, type: approval, needs: [prep] }\n" });
  });
  afterAll(killWorkerProcesses);

  it("workers' gate rows and this process's changes interleave into one verified chain", { timeout: 90_000 }, async () => {
    const workers = [spawnWorkerProcess(), spawnWorkerProcess()];
    await Promise.all(workers.map((w) => w.owner));

    await Promise.all([
      ...Array.from({ length: RUNS }, () => startRun(admin, { workflow: "held", approvalMode: "interactive" })),
      ...Array.from({ length: 20 }, (_, i) => createToken(admin, { name: `t${i}`, role: "viewer" })),
      ...Array.from({ length: 10 }, (_, i) => saveWorkflowAs(admin, { yaml: `name: w${i}\nsteps:\n  - { id: a, type: noop }\n` })),
    ]);
    const deadline = Date.now() + 60_000;
    while ((await db.auditLog.count({ where: { teamId, action: "gate.opened" } })) < RUNS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    const rows = await db.auditLog.findMany({ where: { teamId }, orderBy: { id: "asc" }, select: { action: true, actor: true, prevHash: true, hash: true } });
    // (A worker's start also loads workflows/*.yaml into the first team: those are saves by "system".)
    const count = (actor: string, action: string) => rows.filter((r) => r.actor === actor && r.action === action).length;
    expect(count("engine", "gate.opened")).toBe(RUNS);
    expect(count("admin@busy.io", "run.started")).toBe(RUNS);
    expect(count("admin@busy.io", "token.created")).toBe(20);
    expect(count("admin@busy.io", "workflow.saved")).toBe(10);
    expect(rows.length).toBe(RUNS * 2 + 30 + count("system", "workflow.saved"));
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prevHash, `row ${i + 1} links to row ${i}`).toBe(rows[i - 1]?.hash);
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(rows.length);
    expect(await verifyAudit(admin)).toEqual({ ok: true, rows: rows.length });
  });
});
