import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname } from "node:path";
import type { Sandbox } from "./detect-sandbox";
import { prlimitArgs, type AppliedLimits } from "./resource-limits";

export interface SandboxedCommand {
  /** Bound read-write at the same path: the run's workspace (its artifacts are inside it). */
  workspace: string | undefined;
  /** Bound read-only at the same path (e.g. the files of a step's large values). */
  readOnly: readonly string[];
  /** Working directory inside the sandbox. */
  cwd: string;
  limits: AppliedLimits;
  /** Program and arguments. */
  command: readonly string[];
}

/** System directories shown read-only; symbolic links among them (merged /usr) are recreated as links. */
const SYSTEM_DIRS = ["/usr", "/etc", "/opt", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

let systemMounts: string[] | undefined;

/** bwrap arguments showing the host's system directories (computed once: they do not move). */
function systemArgs(): string[] {
  if (systemMounts) return systemMounts;
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let info;
    try {
      info = lstatSync(dir);
    } catch {
      continue;
    }
    if (info.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else if (info.isDirectory()) args.push("--ro-bind", dir, dir);
  }
  // Name resolution: /etc/resolv.conf may be a link into /run (systemd-resolved); show its target.
  try {
    if (lstatSync("/etc/resolv.conf").isSymbolicLink()) {
      const target = realpathSync("/etc/resolv.conf");
      if (!target.startsWith("/etc/") && !target.startsWith("/usr/")) args.push("--ro-bind-try", target, target);
    }
  } catch {
    // no resolver configuration: nothing to show
  }
  systemMounts = args;
  return args;
}

/**
 * The bwrap command line of one sandboxed step (see detectSandbox for the two ways it runs):
 *
 * - namespaces: mount, PID (the step sees only its own processes; the server's /proc/<pid>/environ
 *   does not exist there), IPC, UTS, cgroup; the network is shared (steps fetch dependencies and
 *   call services; HTTP steps have their own guard).
 * - files: system directories read-only, a fresh /proc, a minimal /dev, a fresh /tmp and /var/tmp
 *   (tmpfs, at most the step's memory limit), the run's workspace read-write, nothing else: no
 *   DATA_DIR (database, session secret, other runs' workspaces), no home directories.
 * - `--die-with-parent`: if the worker dies, the kernel kills the sandbox (its PID 1 gets SIGKILL,
 *   and a PID namespace ends with its PID 1), so no step outlives its worker.
 * - no `--new-session`: the executor already starts bwrap in a session of its own without a
 *   terminal (setsid), and signals the whole process group on cancel.
 * - as root: bwrap keeps CAP_SETUID and CAP_SETGID for the step's first program only, setpriv drops
 *   to the sandbox uid/gid (no groups; the capabilities go with the uid change) and unshare gives
 *   the step a user namespace of its own, then prlimit sets the limits.
 */
export function bwrapArgs(sandbox: Extract<Sandbox, { kind: "bwrap" }>, cmd: SandboxedCommand): string[] {
  const tmpSize = String(cmd.limits.memoryBytes);
  // Directories bwrap makes on the way to a mount point are 0700 root: the step could not reach
  // its workspace. Made first, 0711 (enter, not list): only the mount point is there anyway.
  const made = new Set(["/", "/tmp", "/var", "/var/tmp", "/proc", "/dev", ...SYSTEM_DIRS]);
  const ancestors = (path: string): string[] => {
    const out: string[] = [];
    for (let dir = dirname(path); !made.has(dir); dir = dirname(dir)) {
      made.add(dir);
      out.unshift("--perms", "0711", "--dir", dir);
    }
    return out;
  };
  const mountAt = (flag: string, dir: string) => [...ancestors(dir), flag, dir, dir];
  const args = [
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(sandbox.asRoot ? ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] : ["--unshare-user"]),
    "--die-with-parent",
    ...systemArgs(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // Writable by every user, sticky, as on the host.
    ...["--perms", "01777", "--size", tmpSize, "--tmpfs", "/tmp"],
    ...["--perms", "0755", "--dir", "/var", "--perms", "01777", "--size", tmpSize, "--tmpfs", "/var/tmp"],
    ...(cmd.workspace !== undefined ? mountAt("--bind", cmd.workspace) : []),
    ...cmd.readOnly.flatMap((dir) => mountAt("--ro-bind", dir)),
    "--chdir",
    cmd.cwd,
    "--",
  ];
  if (sandbox.asRoot) {
    args.push(sandbox.tools.setpriv, `--reuid=${sandbox.uid}`, `--regid=${sandbox.gid}`, "--clear-groups", "--", sandbox.tools.unshare, "--user", "--map-current-user", "--");
  }
  args.push(...prlimitArgs(sandbox.tools.prlimit, cmd.limits, { processes: true }), ...cmd.command);
  return args;
}
