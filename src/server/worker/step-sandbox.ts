/** The sandbox and resource ceilings of this process's steps, from the environment (decided once). */
import { env } from "~/env";
import { detectSandbox, type AppliedLimits, type Sandbox } from "~/server/executors";
import { logger } from "~/server/logger";

let announced = false;

/** SHELL_SANDBOX and friends, tried once; says loudly, once per process, when steps cannot be sandboxed. */
export function stepSandbox(): Sandbox {
  const sandbox = detectSandbox({ mode: env.SHELL_SANDBOX, uid: env.SHELL_SANDBOX_UID, gid: env.SHELL_SANDBOX_GID });
  if (!announced) {
    announced = true;
    if (sandbox.kind === "unavailable") {
      const line = `SHELL STEPS ARE REFUSED on this worker: ${sandbox.reason}. Install bubblewrap (apt-get install bubblewrap), or set SHELL_SANDBOX=none to run them as the server's own user, unsandboxed (they could then read the database and the session secret).`;
      logger.error({ sandbox: "unavailable", explicit: sandbox.explicit }, line);
      process.stderr.write(`\n  !!! ${line}\n\n`);
    } else if (sandbox.kind === "none") {
      logger.warn({ sandbox: "none" }, "SHELL_SANDBOX=none: shell steps run as the server's own user, unsandboxed (they can read DATA_DIR: the database, the session secret, every run's workspace)");
    } else {
      logger.info({ sandbox: "bwrap", uid: sandbox.asRoot ? sandbox.uid : process.getuid?.() }, "shell steps run in a bubblewrap sandbox");
    }
  }
  return sandbox;
}

/** STEP_MEMORY_MAX, STEP_CPU_TIME_MAX, STEP_PROCESSES_MAX. */
export function stepLimits(): AppliedLimits {
  return { memoryBytes: env.STEP_MEMORY_MAX, cpuSeconds: env.STEP_CPU_TIME_MAX, processes: env.STEP_PROCESSES_MAX };
}
