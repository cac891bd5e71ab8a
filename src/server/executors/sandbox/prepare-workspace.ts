import { lstat, mkdir } from "node:fs/promises";
import { execa } from "execa";
import type { Sandbox } from "./detect-sandbox";

/**
 * Creates a run's workspace (mode 0700) under the workspaces root (0700, the server's). When
 * steps run as another uid (bwrap started by root), the workspace is given to that uid: the step
 * may write nothing else, and nobody but the server and that uid may enter it. A workspace made
 * before the sandbox (owned by the server) is handed over whole, once, by `chown -R -P` (fts:
 * openat/O_NOFOLLOW, so a link planted inside is neither followed nor its target changed).
 */
export async function prepareWorkspace(root: string, workspace: string, sandbox: Exclude<Sandbox, { kind: "unavailable" }>): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  await mkdir(workspace, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "EEXIST") throw e;
  });
  if (sandbox.kind === "bwrap" && sandbox.asRoot) await giveToSandbox(workspace, sandbox);
}

/**
 * Makes a directory the server created (and the step cannot change: outside its workspace) the
 * sandbox uid's, files included, so a step running as that uid can read it. No-op unless root.
 */
export async function giveToSandbox(dir: string, sandbox: Exclude<Sandbox, { kind: "unavailable" }>): Promise<void> {
  if (sandbox.kind !== "bwrap" || !sandbox.asRoot) return;
  const info = await lstat(dir);
  if (info.uid === sandbox.uid && info.gid === sandbox.gid) return;
  const r = await execa("chown", ["-R", "-P", `${sandbox.uid}:${sandbox.gid}`, "--", dir], { reject: false, stdin: "ignore" });
  if (r.exitCode !== 0) throw new Error(`could not give ${dir} to the sandbox user ${sandbox.uid}: ${String(r.stderr).trim()}`);
}
