import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { authSecret, parseEnv } from "~/env";
import { createSqliteClient, sqlitePragmas } from "~/server/db/sqlite-client";
import { ensurePrivateDir } from "./private-files";

const base = mkdtempSync(join(tmpdir(), "wf-private-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const ROOT = resolve(__dirname, "../..");

describe("the server's data files are its own", () => {
  it("a fresh start (the real preflight) leaves DATA_DIR 0700, app.db and its WAL files and the session secret 0600", () => {
    const dataDir = join(base, "fresh");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/server/boot/preflight.ts")], {
      cwd: ROOT,
      // The usual umask: files would be 0644 and directories 0755 without the explicit modes.
      env: { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, DATABASE_URL: `file:${join(dataDir, "app.db")}`, LOG_LEVEL: "silent" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(mode(dataDir)).toBe("700");
    expect(mode(join(dataDir, "app.db"))).toBe("600");
    expect(mode(join(dataDir, "nextauth-secret"))).toBe("600");
    // The migrator wrote through WAL; whatever of -wal/-shm is left has the database's mode.
    for (const f of ["app.db-wal", "app.db-shm"]) {
      try {
        expect(mode(join(dataDir, f)), f).toBe("600");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  });

  it("the SQLite database, -wal and -shm are 0600 while in use, and an existing wider database is tightened", async () => {
    const dir = join(base, "db");
    mkdirSync(dir);
    const url = `file:${join(dir, "app.db")}`;
    const client = createSqliteClient({ url }, sqlitePragmas("NORMAL"));
    await client.execute("CREATE TABLE t (x TEXT)");
    await client.execute("INSERT INTO t VALUES ('secret')");
    for (const f of ["app.db", "app.db-wal", "app.db-shm"]) expect(mode(join(dir, f)), f).toBe("600");
    client.close();
    chmodSync(join(dir, "app.db"), 0o644);
    createSqliteClient({ url }, []).close();
    expect(mode(join(dir, "app.db"))).toBe("600");
  });

  it("an existing DATA_DIR and session secret that are wider are tightened at start", () => {
    const dir = join(base, "old");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "nextauth-secret"), "old-secret-old-secret\n", { mode: 0o644 });
    ensurePrivateDir(dir);
    expect(authSecret(parseEnv({ DATA_DIR: dir }))).toBe("old-secret-old-secret");
    expect(mode(dir)).toBe("700");
    expect(mode(join(dir, "nextauth-secret"))).toBe("600");
  });
});
