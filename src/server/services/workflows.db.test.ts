import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { getVersion, listTemplates, listVersions, loadWorkflowFiles, restoreVersion, saveWorkflow, saveWorkflowAs, validateWorkflowYaml } from "./workflows";

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

  it("refuses the names of the editor's pages (/workflows/new, /workflows/templates)", async () => {
    for (const name of ["new", "templates"]) {
      await expect(saveWorkflow(team, { yaml: `name: ${name}\nsteps:\n  - { id: a, type: noop }\n` })).rejects.toThrow(`The name "${name}" is taken by the page /workflows/${name}`);
    }
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

  describe("versions from the editor", () => {
    const doc = (cmd: string) => `# kept\nname: edited\nsteps:\n  - id: a\n    type: shell\n    params: { command: ${cmd} }\n`;

    it("keeps the layout with the version; same text + same layout = no version, moved node = new version", async () => {
      const editor = await createUserWithRoles(team.id, "ed@w.io", ["editor"]);
      const v1 = await saveWorkflowAs(editor, { yaml: doc("echo 1"), message: "first", layout: { positions: { a: { x: 10, y: 20 } } } });
      expect(v1).toEqual({ name: "edited", version: 1, created: true });
      expect(await saveWorkflowAs(editor, { yaml: doc("echo 1"), layout: { positions: { a: { x: 10, y: 20 } } } })).toMatchObject({ version: 1, created: false });
      expect(await saveWorkflowAs(editor, { yaml: doc("echo 1") })).toMatchObject({ version: 1, created: false });
      const moved = await saveWorkflowAs(editor, { yaml: doc("echo 1"), message: "moved a", layout: { positions: { a: { x: 300, y: 20 } } } });
      expect(moved).toMatchObject({ version: 2, created: true });
      // a save without layout (REST, CLI) keeps the previous layout
      await saveWorkflow(team, { yaml: doc("echo 3") });
      const v3 = await getVersion(editor, "edited", 3);
      expect(v3.layout).toEqual({ positions: { a: { x: 300, y: 20 } } });
      expect(v3.yaml).toBe(doc("echo 3"));

      const list = await listVersions(editor, "edited");
      expect(list.map((v) => [v.version, v.message, v.author?.email ?? null])).toEqual([
        [3, null, null],
        [2, "moved a", "ed@w.io"],
        [1, "first", "ed@w.io"],
      ]);
      expect((await getVersion(editor, "edited")).version).toBe(3);
    });

    it("refuses a save that started from an older version (lost update) and invalid YAML with its errors", async () => {
      const editor = await createUserWithRoles(team.id, "ed2@w.io", ["editor"]);
      await expect(saveWorkflowAs(editor, { yaml: doc("echo 4"), baseVersion: 2 })).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await saveWorkflowAs(editor, { yaml: doc("echo 4"), baseVersion: 3 })).toMatchObject({ version: 4, created: true });
      const cyclic = "name: edited\nsteps:\n  - { id: a, type: noop, needs: [b] }\n  - { id: b, type: noop, needs: [a] }\n";
      await expect(saveWorkflowAs(editor, { yaml: cyclic })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        details: { errors: [expect.objectContaining({ code: "cycle", message: expect.stringContaining("a -> b -> a") })] },
      });
    });

    it("restores an old version as a new one, with its layout; runs keep their own version", async () => {
      const editor = await createUserWithRoles(team.id, "ed3@w.io", ["editor"]);
      const { startRun, getRun } = await import("./runs");
      const run = await startRun(editor, { workflow: "edited", approvalMode: "interactive" });
      expect(run.version).toBe(4);
      const restored = await restoreVersion(editor, { name: "edited", version: 1 });
      expect(restored).toMatchObject({ version: 5, created: true });
      const v5 = await getVersion(editor, "edited", 5);
      expect(v5.yaml).toBe(doc("echo 1"));
      expect(v5.layout).toEqual({ positions: { a: { x: 10, y: 20 } } });
      expect(v5.message).toBe("Restore v1");
      expect(v5.source).toBe("restore:v1");
      // restoring what is already the latest makes nothing new
      expect(await restoreVersion(editor, { name: "edited", version: 5 })).toMatchObject({ version: 5, created: false });
      await expect(getVersion(editor, "edited", 99)).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect((await getRun(editor, run.id)).version).toBe(4);
    });

    it("lists the workflows/ files as templates", () => {
      const templates = listTemplates();
      expect(templates.map((t) => t.name)).toContain("hello");
      expect(templates.find((t) => t.name === "hello")?.yaml).toMatch(/^# yaml-language-server/);
    });
  });
});
