import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/**
 * A worker's lease owner names where it runs: `host:pid:random`. The random part tells two lives of
 * one pid apart; host and pid let a worker starting on a host find the leases of that host's
 * workers that died (kill -9, a crash, a reboot) and take them over at once instead of waiting out
 * the lease. Leases of other hosts still wait for expiry: their processes cannot be checked from here.
 */
export function workerOwner(): string {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  ownersOfThisProcess.add(owner);
  return owner;
}

/** Owners made in this process: the pid of an owner that is not among them is a previous life. */
const ownersOfThisProcess = new Set<string>();

/** `host:` — the prefix every owner on this host starts with. */
export function localOwnerPrefix(): string {
  return `${hostname()}:`;
}

/**
 * The owners among `owners` that ran on this host in a process that is no longer alive. An owner
 * with this process's pid that this process did not make is a previous life of the pid (a container
 * restarted with the same pid); owners this process made (several workers in one process) are alive.
 */
export function deadLocalOwners(owners: readonly string[], isAlive: (pid: number) => boolean = pidAlive): string[] {
  const host = localOwnerPrefix();
  return owners.filter((owner) => {
    if (ownersOfThisProcess.has(owner) || !owner.startsWith(host)) return false;
    const parts = owner.slice(host.length).split(":");
    const pid = Number(parts[0]);
    if (parts.length !== 2 || !Number.isInteger(pid) || pid <= 0) return false;
    return pid === process.pid || !isAlive(pid);
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else; alive.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
