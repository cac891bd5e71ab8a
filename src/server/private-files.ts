/**
 * The server's own files are the server's alone: DATA_DIR is 0700 and what holds secrets (the
 * SQLite database and its -wal/-shm/-journal, the session secret) is 0600, whatever the umask.
 * Existing ones are tightened at start (an older version or a hand-made file may be wider).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Creates `dir` (and parents) if missing, and makes `dir` itself 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** The file of a `file:` SQLite URL, or undefined (`:memory:`, not SQLite). */
export function sqliteFile(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = url.slice("file:".length).replace(/\?.*$/, "");
  return path === "" || path === ":memory:" ? undefined : resolve(/*turbopackIgnore: true*/ process.cwd(), path);
}

/**
 * Creates the database file 0600 before SQLite opens it (SQLite gives its -wal, -shm and
 * -journal files the database file's permissions), and makes existing ones 0600. An existing
 * file is changed by path, never opened: closing any descriptor of a database file drops the
 * POSIX locks every SQLite connection of this process holds on it.
 */
export function ensurePrivateSqliteFile(url: string): void {
  const file = sqliteFile(url);
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    try {
      chmodSync(file + suffix, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}
