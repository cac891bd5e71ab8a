import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { bwrapArgs } from "./bwrap-args";

/**
 * How processes of steps are isolated from the server (decided once per process, at start).
 *
 * - `bwrap`: bubblewrap. As root, bwrap itself builds the namespaces (it may mount anything) and
 *   the step then drops to `uid`/`gid` with setpriv and enters a user namespace of its own
 *   (unshare), so it is an unprivileged user of the host AND its process count is its own
 *   (RLIMIT_NPROC counts per user per namespace). As another user, bwrap runs unprivileged and
 *   makes the user namespace itself; the step keeps that user's uid.
 * - `none`: the step runs as the server's user (SHELL_SANDBOX=none, an explicit choice).
 * - `unavailable`: bwrap was wanted (explicitly, or by default) but cannot run here; steps that
 *   spawn processes are refused with `reason`, never run unsandboxed behind the operator's back.
 */
export type Sandbox =
  | { kind: "bwrap"; bwrap: string; asRoot: boolean; uid: number; gid: number; tools: SandboxTools }
  | { kind: "none"; tools: Partial<SandboxTools> }
  | { kind: "unavailable"; reason: string; explicit: boolean };

/** util-linux programs the sandboxed command line uses (Debian: package util-linux, always there). */
export interface SandboxTools {
  setpriv: string;
  unshare: string;
  prlimit: string;
}

export interface DetectSandboxOptions {
  /** SHELL_SANDBOX: undefined means bwrap when it works, else unavailable. */
  mode?: "bwrap" | "none";
  /** SHELL_SANDBOX_UID / _GID: whom steps run as when the server is root. @default 65534 */
  uid?: number;
  gid?: number;
  /** Where to look for the programs. @default the usual system directories */
  path?: readonly string[];
}

const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

function which(name: string, path: readonly string[]): string | undefined {
  for (const dir of path) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const cache = new Map<string, Sandbox>();

/**
 * Finds and tries the sandbox: the full command line of a real step (namespaces, uid switch,
 * limits) runs `true` once, so a kernel without user namespaces or a container that forbids
 * them is found at start, with bwrap's own words, rather than at the first step.
 */
export function detectSandbox(options: DetectSandboxOptions = {}): Sandbox {
  const key = JSON.stringify(options);
  const known = cache.get(key);
  if (known) return known;
  const result = probe(options);
  cache.set(key, result);
  return result;
}

function probe(options: DetectSandboxOptions): Sandbox {
  const path = options.path ?? SYSTEM_PATH;
  const found = { setpriv: which("setpriv", path), unshare: which("unshare", path), prlimit: which("prlimit", path) };
  if (options.mode === "none") return { kind: "none", tools: { ...(found.prlimit ? { prlimit: found.prlimit } : {}) } };
  const explicit = options.mode === "bwrap";
  const bwrap = which("bwrap", path);
  if (!bwrap) return { kind: "unavailable", explicit, reason: "bubblewrap (bwrap) is not installed: apt-get install bubblewrap" };
  const missing = Object.entries(found).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) return { kind: "unavailable", explicit, reason: `${missing.join(", ")} not found (Debian package util-linux)` };
  const tools = found as SandboxTools;
  const asRoot = process.getuid?.() === 0;
  const sandbox: Sandbox = { kind: "bwrap", bwrap, asRoot, uid: options.uid ?? 65534, gid: options.gid ?? 65534, tools };
  const args = bwrapArgs(sandbox, { workspace: undefined, readOnly: [], cwd: "/", limits: { memoryBytes: 64 * 1024 * 1024, cpuSeconds: 5, processes: 16 }, command: ["/bin/sh", "-c", "exit 0"] });
  const r = spawnSync(bwrap, args, { encoding: "utf8", timeout: 10_000, env: { PATH: SYSTEM_PATH.join(":") } as unknown as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).trim().split("\n").slice(-3).join(" / ");
    return { kind: "unavailable", explicit, reason: `bubblewrap cannot create a sandbox here: ${why}` };
  }
  return sandbox;
}
