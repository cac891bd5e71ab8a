import { readdir, readFile } from "node:fs/promises";

const POLL_MS = 25;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // ESRCH: nobody left in the group. EPERM cannot happen for our own children; treat as gone.
    if ((error as NodeJS.ErrnoException).code === "ESRCH" || (error as NodeJS.ErrnoException).code === "EPERM") return false;
    throw error;
  }
}

/**
 * Members of a process group that are still running. kill(-pgid, 0) alone also counts zombies,
 * and a zombie grandchild can linger for ever when PID 1 of a container does not reap: on Linux
 * /proc tells the states apart, elsewhere the signal probe is the answer.
 */
export async function liveGroupMembers(pgid: number): Promise<number[]> {
  if (!signalGroup(pgid, 0)) return [];
  if (process.platform !== "linux") return [pgid];
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [pgid];
  }
  const live: number[] = [];
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const stat = await readFile(`/proc/${name}/stat`, "utf8");
          // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
          const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") live.push(Number(name));
        } catch {
          // The process ended while we looked.
        }
      }),
  );
  return live;
}

/**
 * Ends a whole process group: SIGTERM, then SIGKILL to whatever is still running after
 * `graceMs`, then waits (bounded) until nothing of the group runs. The child must have been
 * started as a group leader (`detached: true`), so its pid is the group id.
 *
 * `spareLeader`: the SIGTERM goes to every member but the leader (a bwrap that would die of it at
 * once, its --die-with-parent then killing the sandbox without the grace); the leader ends when
 * the step does, or with the SIGKILL.
 */
export async function killProcessGroup(pgid: number, graceMs: number, options: { spareLeader?: boolean } = {}): Promise<void> {
  if (options.spareLeader) {
    const members = await liveGroupMembers(pgid);
    if (!members.length) return;
    for (const pid of members) {
      if (pid === pgid) continue;
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // ended meanwhile
      }
    }
  } else if (!signalGroup(pgid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if ((await liveGroupMembers(pgid)).length === 0) return;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
  if (!signalGroup(pgid, "SIGKILL")) return;
  // SIGKILL cannot be caught; the wait only covers the kernel tearing processes down.
  const hardDeadline = Date.now() + 2_000;
  while (Date.now() < hardDeadline && (await liveGroupMembers(pgid)).length > 0) await sleep(POLL_MS);
}
