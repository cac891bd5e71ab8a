import { execa } from "execa";
import { bwrapArgs } from "./bwrap-args";
import type { Sandbox } from "./detect-sandbox";
import { prlimitArgs, type AppliedLimits } from "./resource-limits";

export interface SpawnSandboxedOptions {
  sandbox: Exclude<Sandbox, { kind: "unavailable" }>;
  /** A script for `/bin/sh -c`, or a program and its arguments (no shell). */
  command: { script: string } | { argv: readonly string[] };
  /** The whole environment of the program (nothing of the worker's is added). */
  env: Readonly<Record<string, string>>;
  /** Working directory (inside `workspace`). */
  cwd: string;
  /** The run's workspace: the one directory the program may write (besides a fresh /tmp). */
  workspace: string;
  /** Directories the program may read besides the system ones. @default [] */
  readOnly?: readonly string[];
  /**
   * Made (`mkdir -p`) and removed (`rm -f`) by the program's own user, in its own view of the
   * files, before the program starts. The step controls everything in its workspace and may have
   * left links there: the server itself never creates or deletes a path under it.
   */
  makeDirs?: readonly string[];
  removeFiles?: readonly string[];
  limits: AppliedLimits;
}

/** First words of the line the preparation prints when the program does not exist (the executor reports it as spawn_error). */
export const NO_SUCH_PROGRAM = "wf-sandbox: cannot start ";

/** One shell word holding exactly `s`. */
const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * The shell code that prepares, as the program's own user, before the program: on the first line
 * of a script, so the author's line numbers stay what they wrote; before `exec "$@"` for argv
 * (same pid: the program is the group leader outside a sandbox, PID 2 inside one).
 */
function preamble(makeDirs: readonly string[], removeFiles: readonly string[]): string {
  return (
    (makeDirs.length ? `mkdir -p -- ${makeDirs.map(quote).join(" ")} || exit 125; ` : "") +
    (removeFiles.length ? `rm -f -- ${removeFiles.map(quote).join(" ")} || exit 125; ` : "")
  );
}
const EXEC_ARGV = `command -v -- "$1" >/dev/null 2>&1 || { printf '${NO_SUCH_PROGRAM}%s: no such program (ENOENT)\\n' "$1" >&2; exit 127; }; exec "$@"`;

/**
 * THE way the server starts a step's processes (shell steps today; git, agent workers and any
 * later executor that spawns go through here too, so they inherit the sandbox and the limits).
 *
 * - bwrap: see bwrapArgs: own namespaces, system directories read-only, only the workspace
 *   writable, an unprivileged uid with its own process count, rlimits.
 * - none (SHELL_SANDBOX=none): as the server's user; memory and CPU rlimits still apply (not
 *   `processes`: outside a user namespace RLIMIT_NPROC counts every process of the server's user).
 *
 * The child leads its own process group (setsid) with stdin closed and stdout/stderr piped
 * unbuffered; it never rejects (the executor reads exitCode/signal/cause).
 */
export function spawnSandboxed(o: SpawnSandboxedOptions) {
  const prepare = preamble(o.makeDirs ?? [], o.removeFiles ?? []);
  const prepared = "script" in o.command ? ["/bin/sh", "-c", prepare + o.command.script] : ["/bin/sh", "-c", prepare + EXEC_ARGV, "wf-sandbox", ...o.command.argv];
  let argv: string[];
  let cwd: string;
  if (o.sandbox.kind === "bwrap") {
    argv = [o.sandbox.bwrap, ...bwrapArgs(o.sandbox, { workspace: o.workspace, readOnly: o.readOnly ?? [], cwd: o.cwd, limits: o.limits, command: prepared })];
    cwd = "/"; // the sandbox's own working directory is --chdir
  } else {
    argv = [...(o.sandbox.tools.prlimit ? prlimitArgs(o.sandbox.tools.prlimit, o.limits, { processes: false }) : []), ...prepared];
    cwd = o.cwd;
  }
  return execa(argv[0] ?? "/bin/sh", argv.slice(1), {
    cwd,
    env: { ...o.env },
    extendEnv: false,
    // Own process group (setsid): the whole tree can be signalled with kill(-pid).
    detached: true,
    stdin: "ignore",
    buffer: false,
    reject: false,
    windowsHide: true,
  });
}

/** A running sandboxed step (execa's child: pid, stdout, stderr; awaiting it gives exitCode/signal). */
export type SandboxedChild = ReturnType<typeof spawnSandboxed>;
