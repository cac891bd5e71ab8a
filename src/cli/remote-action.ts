import type { Command } from "commander";
import { ApiClient, ApiError } from "./api-client";
import { EXIT } from "./exit-codes";
import { ConfigError, loadConfig, type CliConfig } from "./load-config";
import { printLine } from "./terminal-output";

/** What a command that talks to the server gets: the client and the resolved configuration. */
export type Remote = { client: ApiClient; config: CliConfig };

/** A failure the command already explained; carries the exit code. */
export class CliExit extends Error {
  override name = "CliExit";
  constructor(
    readonly exitCode: number,
    message = "",
  ) {
    super(message);
  }
}

/**
 * Wraps the action of a command that talks to the server: resolves --server/--token (global options)
 * against the environment, and turns every failure into a message on stderr and an exit code
 * (EXIT in exit-codes.ts). The action returns its exit code, or nothing for 0.
 */
export function remoteAction<A extends unknown[]>(
  run: (remote: Remote, ...args: A) => Promise<number | void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    // commander passes (...arguments, options, command); the command is last.
    const command = args[args.length - 1] as Command;
    const flags = command.optsWithGlobals<{ server?: string; token?: string }>();
    try {
      const config = loadConfig({ server: flags.server, token: flags.token });
      const code = await run({ client: new ApiClient(config), config }, ...(args.slice(0, -1) as A));
      process.exitCode = code ?? EXIT.ok;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

/** Prints `wf: message` for a known failure and returns its exit code; rethrows bugs. */
export function reportError(err: unknown): number {
  if (err instanceof ConfigError || err instanceof ApiError || err instanceof CliExit) {
    if (err.message) printLine(`wf: ${err.message}`, "stderr");
    return err.exitCode;
  }
  throw err;
}
