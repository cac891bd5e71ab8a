import { isRunTerminal, type RunStatus } from "~/engine/status";

/**
 * Exit codes of the `wf` commands that talk to the server. Scripts rely on them (documented in
 * `wf run --help`): `wf run --wait` exits with the run's result.
 */
export const EXIT = {
  /** the command worked; with --wait, the run succeeded */
  ok: 0,
  /** the run failed (and `wf validate` found errors) */
  failed: 1,
  /** bad usage or configuration: unknown option, missing token, bad input, rejected request (HTTP 4xx) */
  usage: 2,
  /** the run was cancelled */
  cancelled: 3,
  /** the server could not be reached, answered 5xx, or answered something the CLI does not understand */
  server: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of `wf run --wait` for a run in `status`; undefined while the run is not finished. */
export function exitCodeForRun(status: RunStatus): ExitCode | undefined {
  if (!isRunTerminal(status)) return undefined;
  switch (status) {
    case "succeeded":
      return EXIT.ok;
    case "cancelled":
      return EXIT.cancelled;
    default:
      return EXIT.failed;
  }
}

/** The exit code for an HTTP status of a rejected request: 4xx is the caller's problem, the rest the server's. */
export function exitCodeForHttp(status: number): ExitCode {
  return status >= 400 && status < 500 ? EXIT.usage : EXIT.server;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok (with --wait: the run succeeded)
  1  the run failed
  2  usage or configuration error (bad option or input, missing/rejected token, unknown workflow or run)
  3  the run was cancelled
  4  server or network error (unreachable, HTTP 5xx, unexpected response)`;
