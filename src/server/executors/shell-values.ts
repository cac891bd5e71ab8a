import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Linux refuses an argv or environment string longer than this (MAX_ARG_STRLEN, 32 pages, the
 * terminating NUL included): `spawn E2BIG`.
 */
export const MAX_ARG_STRLEN = 128 * 1024;

/**
 * A command value up to this many bytes goes into the child's environment; a larger one into a
 * file. Half of MAX_ARG_STRLEN, so `WF_VALUE_<k>=` and the author's own variables keep room.
 */
export const MAX_INLINE_VALUE_BYTES = 64 * 1024;

/**
 * Command values in the environment, all together, at most this many bytes; the rest go into
 * files. argv plus environment may not exceed a quarter of the stack limit (2 MiB for the usual
 * 8 MiB) at every exec of the script, and the environment is copied into each one: 128 KiB leaves
 * the author's own arguments most of that room, and is the floor Linux grants whatever the limit.
 */
export const MAX_INLINE_TOTAL_BYTES = 128 * 1024;

export interface ShellValues {
  /** Variables to set in the child's environment: `WF_VALUE_<k>` or `WF_VALUE_FILE_<k>`. */
  env: Record<string, string>;
  /** Names that must not be in the environment (values read from files: kept unexported). */
  unset: string[];
  /** Shell code run before the command: reads file-backed values into their variables. */
  prelude: string;
  /** The directory holding the files, to remove when the step ends; undefined when none. */
  dir: string | undefined;
}

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/**
 * How a shell step's command values (`StepExecution.commandValues`) reach `/bin/sh`: small ones
 * as environment variables `WF_VALUE_<k>`, large ones as files (mode 0600, in a directory of mode
 * 0700 inside the run's workspace) read by a prelude into the same, unexported, variable:
 *
 *     WF_VALUE_3=$(cat -- "$WF_VALUE_FILE_3" && printf x) || { ...; exit 125; }; WF_VALUE_3=${WF_VALUE_3%x};
 *
 * (the `x` keeps trailing newlines, which command substitution strips). Either way the script
 * sees the same `$WF_VALUE_<k>`, byte for byte, and no exec of the script carries a large value.
 */
export async function shellValues(values: readonly string[], dir: string): Promise<ShellValues> {
  const env: Record<string, string> = {};
  const unset: string[] = [];
  let prelude = "";
  let inline = 0;
  let wroteDir = false;
  for (const [k, value] of values.entries()) {
    const name = `WF_VALUE_${k}`;
    const bytes = byteLength(value);
    if (bytes <= MAX_INLINE_VALUE_BYTES && inline + bytes <= MAX_INLINE_TOTAL_BYTES) {
      inline += bytes;
      env[name] = value;
      continue;
    }
    if (!wroteDir) {
      // A leftover of this very attempt (a worker crashed while it ran) is replaced.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      wroteDir = true;
    }
    const file = join(dir, name);
    await writeFile(file, value, { mode: 0o600, flag: "wx" });
    env[`WF_VALUE_FILE_${k}`] = file;
    unset.push(name);
    prelude +=
      `${name}=$(cat -- "$WF_VALUE_FILE_${k}" && printf x) || { echo "wf: cannot read the value of ${name} from $WF_VALUE_FILE_${k}" >&2; exit 125; }; ` +
      `${name}=\${${name}%x}; `;
  }
  return { env, unset, prelude, dir: wroteDir ? dir : undefined };
}

/**
 * Why an argv or environment would make the spawn fail with E2BIG or a NUL error, or undefined.
 * params.argv and params.env reach the program exactly as written, so they cannot move into files.
 */
export function execLimitProblem(argv: readonly string[] | undefined, env: Readonly<Record<string, string>> | undefined): string | undefined {
  for (const [i, arg] of (argv ?? []).entries()) {
    if (arg.includes("\u0000")) return `params.argv[${i}] contains a NUL character, which a program argument cannot hold: remove it`;
    const bytes = byteLength(arg);
    if (bytes >= MAX_ARG_STRLEN) {
      return `params.argv[${i}] is ${bytes} bytes; the operating system takes at most ${MAX_ARG_STRLEN - 1} bytes in one argument: pass large data through params.command (its {{ }} values of any size are handed over as files) or in a file`;
    }
  }
  for (const [name, value] of Object.entries(env ?? {})) {
    if (name.includes("\u0000") || value.includes("\u0000")) return `params.env.${name} contains a NUL character, which an environment variable cannot hold: remove it`;
    const bytes = byteLength(name) + 1 + byteLength(value);
    if (bytes >= MAX_ARG_STRLEN) {
      return `params.env.${name} is ${bytes} bytes; the operating system takes at most ${MAX_ARG_STRLEN - 1} bytes in one variable: use {{ }} in params.command instead (large values are handed over as files) or write the data to a file`;
    }
  }
  return undefined;
}
