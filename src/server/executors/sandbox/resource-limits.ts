import { formatDuration } from "~/engine/duration";
import type { ResourceLimits } from "~/engine/resources";
import type { StepError } from "~/engine/scheduler/types";
import { formatSize } from "~/engine/size";

/** The limits applied to one step: every field set (the step's own, else the server's ceiling). */
export type AppliedLimits = Required<ResourceLimits>;

/** The server's ceilings (STEP_MEMORY_MAX, STEP_CPU_TIME_MAX, STEP_PROCESSES_MAX), also the defaults. */
export const DEFAULT_LIMITS: AppliedLimits = { memoryBytes: 2 * 1024 ** 3, cpuSeconds: 600, processes: 256 };

const ENV_NAME: Record<keyof AppliedLimits, string> = { memoryBytes: "STEP_MEMORY_MAX", cpuSeconds: "STEP_CPU_TIME_MAX", processes: "STEP_PROCESSES_MAX" };
const FIELD: Record<keyof AppliedLimits, string> = { memoryBytes: "memory", cpuSeconds: "cpu_time", processes: "processes" };
const show = (key: keyof AppliedLimits, v: number): string => (key === "memoryBytes" ? formatSize(v) : key === "cpuSeconds" ? formatDuration(v * 1000) : String(v));

/**
 * What a step gets: each limit it asks for, or the server's ceiling when it asks for none. Asking
 * for more than the ceiling is refused (a workflow cannot lift the server's protection), with a
 * message naming the field, both values and the variable that sets the ceiling.
 */
export function applyLimits(requested: ResourceLimits | undefined, ceilings: AppliedLimits): { ok: true; limits: AppliedLimits } | { ok: false; message: string } {
  const limits = { ...ceilings };
  for (const key of Object.keys(ceilings) as Array<keyof AppliedLimits>) {
    const want = requested?.[key];
    if (want === undefined) continue;
    if (want > ceilings[key]) {
      return { ok: false, message: `resources.${FIELD[key]} ${show(key, want)} is more than this server allows (${ENV_NAME[key]}=${show(key, ceilings[key])}): ask for at most ${show(key, ceilings[key])}, or have the operator raise ${ENV_NAME[key]}` };
    }
    limits[key] = want;
  }
  return { ok: true, limits };
}

/**
 * `prlimit` arguments (util-linux) for the limits: RLIMIT_DATA for memory (heap, stacks, private
 * writable mappings; unlike RLIMIT_AS it does not count the address space runtimes such as V8
 * or Go reserve without using, so `node` still starts under 64MB), RLIMIT_CPU with its hard
 * limit 2 s above the soft one (SIGXCPU first, SIGKILL if it is caught), RLIMIT_NPROC when
 * `processes` (only in the sandbox: the count is per user per user namespace, and outside one it
 * would count the server's own processes and threads). Plain numbers: prlimit's suffix parsing
 * is not to be trusted (`--data=8G` crashes util-linux 2.38).
 */
export function prlimitArgs(prlimit: string, limits: AppliedLimits, options: { processes: boolean }): string[] {
  return [
    prlimit,
    `--data=${limits.memoryBytes}`,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 2}`,
    ...(options.processes ? [`--nproc=${limits.processes}`] : []),
    "--",
  ];
}

/** 128 + SIGXCPU: how a shell, or bwrap, reports a child the CPU limit killed. */
const XCPU_STATUS = 152;
const OUT_OF_MEMORY = /out of memory|cannot allocate memory|memoryerror|bad_alloc|memory exhausted|allocation failed|enomem|xmalloc|xrealloc|cannot allocate \d+ bytes/i;
const NO_FORK = /fork: (resource temporarily unavailable|retry)|cannot fork|can't fork|eagain|resource temporarily unavailable/i;

/**
 * The failure of a step whose process ended badly, when a limit explains it: named after the limit
 * (`cpu_time`, `memory`, `processes`), with the limit's value. CPU: the process died of SIGXCPU
 * (or its shell/bwrap reported 152). Memory and processes cannot be told by the exit alone (the
 * program sees ENOMEM or EAGAIN and reacts its own way), so they are named when the program's
 * last words say so.
 */
export function limitFailure(exit: { exitCode?: number; signal?: string }, limits: AppliedLimits, stderrTail: readonly string[], quote: string): StepError | undefined {
  const tail = stderrTail.join("\n");
  const said = quote ? `: ${quote}` : "";
  const code = exit.exitCode !== undefined && exit.exitCode !== 0 ? { exit_code: exit.exitCode } : {};
  if (exit.signal === "SIGXCPU" || exit.exitCode === XCPU_STATUS) {
    return { code: "resource_limit", ...code, message: `killed: cpu_time limit ${show("cpuSeconds", limits.cpuSeconds)} exceeded (SIGXCPU)${said}` };
  }
  const failed = exit.signal !== undefined || (exit.exitCode !== undefined && exit.exitCode !== 0);
  if (!failed) return undefined;
  if (OUT_OF_MEMORY.test(tail)) return { code: "resource_limit", ...code, message: `memory limit ${show("memoryBytes", limits.memoryBytes)} exceeded (a process could not allocate more)${said}` };
  if (NO_FORK.test(tail)) return { code: "resource_limit", ...code, message: `processes limit ${limits.processes} reached (a process could not start another)${said}` };
  return undefined;
}
