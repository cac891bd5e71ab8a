import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { createTeam, migrateTestDb } from "~/server/testing/seed";
import { loadWorkflowFiles, saveWorkflow, validateWorkflowYaml } from "./workflows";

const yaml = (cmd: string) => `# a comment that must survive\nname: demo\nsteps:\n  - id: a\n    type: shell\n    params: { command: ${cmd} }\n`;

describe("workflows service", () => {
  let team: { id: string; name: string };
  beforeAll(async () => {
    await migrateTestDb();
    team = await createTeam("W");
  });

  it("stores immutable versions and makes none for unchanged text", async () => {
    expect(await saveWorkflow(team, { yaml: yaml("echo 1") })).toEqual({ name: "demo", version: 1, created: true });
    expect(await saveWorkflow(team, { yaml: yaml("echo 1") })).toEqual({ name: "demo", version: 1, created: false });
    expect(await saveWorkflow(team, { yaml: yaml("echo 2") })).toEqual({ name: "demo", version: 2, created: true });
    const versions = await db.workflowVersion.findMany({ where: { workflow: { teamId: team.id, name: "demo" } }, orderBy: { version: "asc" } });
    expect(versions.map((v) => v.yaml)).toEqual([yaml("echo 1"), yaml("echo 2")]);
  });

  it("refuses invalid YAML with every error located", async () => {
    const bad = "name: demo\nsteps:\n  - id: a\n    type: shell\n    params: { command: x }\n    needs: [ghost]\n  - id: a\n    type: noop\n";
    const v = validateWorkflowYaml(bad);
    expect(v.valid).toBe(false);
    expect(v.errors.length).toBeGreaterThanOrEqual(2);
    for (const e of v.errors) expect(e.line).toBeGreaterThan(0);
    await expect(saveWorkflow(team, { yaml: bad })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("loads the shipped workflows/ files, and a second load adds nothing", async () => {
    const first = await loadWorkflowFiles(team);
    expect(first.length).toBeGreaterThanOrEqual(6);
    expect(first.every((w) => w.created)).toBe(true);
    const second = await loadWorkflowFiles(team);
    expect(second.some((w) => w.created)).toBe(false);
  });

  it("skips an invalid file without losing the valid ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-files-"));
    writeFileSync(join(dir, "good.yaml"), "name: good-one\nsteps:\n  - { id: a, type: noop }\n");
    writeFileSync(join(dir, "bad.yaml"), "name: bad-one\nsteps: nope\n");
    const loaded = await loadWorkflowFiles(team, dir);
    expect(loaded.map((w) => w.name)).toEqual(["good-one"]);
  });
});
