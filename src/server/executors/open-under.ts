import { constants } from "node:fs";
import { open, readdir, readlink, realpath, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

export type OpenKind = "file" | "directory";

/** A file or directory opened under a trusted root, known to be exactly `path` (no link on the way). */
export interface OpenedUnder {
  handle: FileHandle;
  /** `realpath(root)` joined with the segments: where the handle really is. */
  path: string;
  size: number;
}

/** True for a name that stays one path segment: not empty, `.`, `..`, and without `/`, `\` or NUL. */
export function isPlainSegment(s: string): boolean {
  return s !== "" && s !== "." && s !== ".." && !s.includes("/") && !s.includes("\\") && !s.includes("\u0000");
}

const FLAGS = {
  // O_NONBLOCK: a FIFO a step left in place of a file must not hang the server's open(2).
  file: constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  directory: constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY,
} as const;

/** Errors that mean "not there as asked": missing, a link (ELOOP), a file where a directory was. */
const ABSENT = new Set(["ENOENT", "ELOOP", "ENOTDIR", "EISDIR", "ENXIO", "EACCES", "EPERM"]);

/**
 * Opens `root/segments[0]/…/segments[n]` for reading, following NO symbolic link below `root`:
 * every component must be a real directory and the last one a regular file (or a directory),
 * else undefined. `root` itself is trusted (configured by the server, e.g. `DATA_DIR/workspaces`),
 * everything under it may be written by a step and is not.
 *
 * Race-free where it matters: the check is made on what was opened, not on a path looked at
 * before. O_NOFOLLOW refuses a link as the last component; for the components before it, the
 * kernel's name of the open file (`/proc/self/fd/N`) must be exactly the expected path, so a
 * directory swapped for a link between any check and the open(2) is caught. (Without /proc: the
 * real path and the inode are compared after the open, which narrows the window to the compare.)
 */
export async function openUnder(root: string, segments: readonly string[], kind: OpenKind): Promise<OpenedUnder | undefined> {
  if (!segments.every(isPlainSegment)) return undefined;
  // No root yet (a fresh data directory where no step has made a workspace): nothing is under it.
  const real = await realpath(root).catch((e: NodeJS.ErrnoException) => {
    if (ABSENT.has(e.code ?? "")) return undefined;
    throw e;
  });
  if (real === undefined) return undefined;
  const expected = join(real, ...segments);
  let handle: FileHandle;
  try {
    handle = await open(expected, FLAGS[kind]);
  } catch (e) {
    if (ABSENT.has((e as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw e;
  }
  try {
    const info = await handle.stat();
    const rightKind = kind === "file" ? info.isFile() : info.isDirectory();
    if (rightKind && (await isExactly(handle, expected, info))) return { handle, path: expected, size: info.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
  await handle.close();
  return undefined;
}

async function isExactly(handle: FileHandle, expected: string, info: { dev: number; ino: number }): Promise<boolean> {
  try {
    return (await readlink(`/proc/self/fd/${handle.fd}`)) === expected;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  try {
    const now = await stat(expected);
    return (await realpath(expected)) === expected && now.dev === info.dev && now.ino === info.ino;
  } catch {
    return false;
  }
}

/**
 * Entries of a directory opened by openUnder, read through its handle (`/proc/self/fd/N`), so what
 * is listed is that directory even if its path was swapped for a link meanwhile.
 */
export async function readOpenedDir(dir: OpenedUnder): Promise<Array<{ name: string; isFile: boolean; isDirectory: boolean }>> {
  const through = `/proc/self/fd/${dir.handle.fd}`;
  let entries;
  try {
    entries = await readdir(through, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    // No /proc: the path, which openUnder checked a moment ago.
    entries = await readdir(dir.path, { withFileTypes: true });
  }
  return entries.map((e) => ({ name: e.name, isFile: e.isFile(), isDirectory: e.isDirectory() }));
}
