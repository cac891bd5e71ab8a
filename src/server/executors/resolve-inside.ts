import { realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";

/** True when `path` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Resolves `path` (relative to `root`, or absolute) and returns it only if it stays inside `root`,
 * both as written (`..` segments) and on disk (symlinks created by an earlier step, e.g.
 * `ln -s / escape`): the real path of the target must be inside the real path of the root.
 * Returns an error message otherwise. The target must exist.
 */
export async function resolveInside(root: string, path: string): Promise<{ ok: true; path: string } | { ok: false; message: string }> {
  const target = resolve(root, path);
  if (!isInside(root, target)) return { ok: false, message: `"${path}" is outside the run's workspace` };
  let realRoot: string;
  let realTarget: string;
  try {
    realRoot = await realpath(root);
    realTarget = await realpath(target);
  } catch {
    return { ok: false, message: `"${path}" does not exist in the run's workspace` };
  }
  if (!isInside(realRoot, realTarget)) return { ok: false, message: `"${path}" leads outside the run's workspace (symbolic link)` };
  return { ok: true, path: realTarget };
}
