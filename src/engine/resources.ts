import type { Resources } from "./definition/schema";
import { parseDuration } from "./duration";
import { parseSize } from "./size";

/**
 * The resource limits a step asks for, in the units the executor applies (rlimits). A field left
 * out takes the server's ceiling (the executor's configuration).
 */
export interface ResourceLimits {
  /** Bytes each process may allocate (RLIMIT_DATA). */
  memoryBytes?: number;
  /** Seconds of CPU each process may use (RLIMIT_CPU; whole seconds, rounded up). */
  cpuSeconds?: number;
  /** Processes and threads the step may run at once (RLIMIT_NPROC). */
  processes?: number;
}

/** A step's limits: its own `resources`, field by field, over the workflow's `defaults.resources`. */
export function resolveResources(own: Resources | undefined, defaults: Resources | undefined): ResourceLimits | undefined {
  const memory = own?.memory ?? defaults?.memory;
  const cpu = own?.cpu_time ?? defaults?.cpu_time;
  const processes = own?.processes ?? defaults?.processes;
  if (memory === undefined && cpu === undefined && processes === undefined) return undefined;
  return {
    ...(memory !== undefined ? { memoryBytes: parseSize(memory) } : {}),
    ...(cpu !== undefined ? { cpuSeconds: Math.ceil(parseDuration(cpu) / 1000) } : {}),
    ...(processes !== undefined ? { processes } : {}),
  };
}
