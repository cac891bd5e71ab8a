import type { RunHeader, RunPatch } from "./types";

/**
 * The run header after a patch: cleared fields removed, changed fields set, counters moved by their
 * deltas. Returns the header itself when the patch does not touch it (stores skip the write).
 */
export function applyRunPatch(header: RunHeader, patch: RunPatch): RunHeader {
  const d = patch.counters;
  if (!Object.keys(patch.run).length && !patch.clear?.length && !d.remaining && !d.running && !d.failed && !d.waitingApproval) return header;
  const next: RunHeader = { ...header };
  for (const field of patch.clear ?? []) delete next[field];
  const c = header.counters;
  return {
    ...next,
    ...patch.run,
    counters: {
      remaining: c.remaining + d.remaining,
      running: c.running + d.running,
      failed: c.failed + d.failed,
      waitingApproval: c.waitingApproval + d.waitingApproval,
    },
  };
}
