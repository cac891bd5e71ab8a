import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { migrate } from "./migrate";

function tempMigrations(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "wf-mig-"));
  mkdirSync(join(dir, "sqlite"));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, "sqlite", name), sql);
  return dir;
}

describe("migrate (SQLite)", () => {
  it("applies the project's migrations once, in WAL, and a second run applies nothing", async () => {
    const url = `file:${join(mkdtempSync(join(tmpdir(), "wf-db-")), "a.db")}`;
    const first = await migrate({ databaseUrl: url });
    expect(first.applied.length).toBe(first.total);
    expect(first.total).toBeGreaterThan(0);
    const second = await migrate({ databaseUrl: url });
    expect(second.applied).toEqual([]);
    const c = createClient({ url });
    const mode = await c.execute("PRAGMA journal_mode");
    expect(String(mode.rows[0]?.journal_mode)).toBe("wal");
    const tables = await c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='User'");
    expect(tables.rows.length).toBe(1);
    c.close();
  });

  it("rolls a failing migration back whole and keeps the earlier ones", async () => {
    const dir = tempMigrations({
      "0001_a.sql": 'CREATE TABLE "A" ("id" TEXT PRIMARY KEY);',
      "0002_b.sql": 'CREATE TABLE "B" ("id" TEXT PRIMARY KEY);\nTHIS IS NOT SQL;',
    });
    const url = `file:${join(dir, "x.db")}`;
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow();
    const c = createClient({ url });
    const names = (await c.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")).rows.map((r) => r.name);
    // one transaction for the whole run: nothing half-applied
    expect(names).not.toContain("B");
    c.close();
  });

  it("refuses an applied migration that was edited afterwards", async () => {
    const dir = tempMigrations({ "0001_a.sql": 'CREATE TABLE "A" ("id" TEXT PRIMARY KEY);' });
    const url = `file:${join(dir, "y.db")}`;
    await migrate({ databaseUrl: url, dir });
    writeFileSync(join(dir, "sqlite", "0001_a.sql"), 'CREATE TABLE "A" ("id" TEXT PRIMARY KEY, "x" TEXT);');
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow(/was changed after it was applied/);
  });
});
