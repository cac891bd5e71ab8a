import { setTimeout as sleep } from "node:timers/promises";
import { isRunTerminal } from "~/engine/status";
import { ApiError, type ApiClient, type TRun } from "./api-client";
import { EXIT } from "./exit-codes";
import { stepTransitions, type StepTransition } from "./format";

export type FollowOptions = {
  pollMs: number;
  /** each step whose status or attempt changed, in the order of the run's steps */
  onTransition: (t: StepTransition, at: Date) => void;
  /** the run's own status changed (also called for the first poll) */
  onRunStatus?: (run: TRun, at: Date) => void;
  /** the first poll: `run` is what the caller already has (e.g. the response of the start) */
  initial?: TRun;
  /**
   * Consecutive network/5xx failures tolerated before giving up (a server restart should not end a
   * `--wait` of a long run). @default 5
   */
  maxFailures?: number;
  now?: () => Date;
};

/**
 * Polls GET /runs/{id} until the run is terminal, reporting step transitions as they are seen, and
 * returns the final run. Transitions faster than the poll interval are seen as one (e.g. a step that
 * went running -> succeeded between two polls shows as succeeded).
 */
export async function followRun(client: ApiClient, runId: string, options: FollowOptions): Promise<TRun> {
  const now = options.now ?? (() => new Date());
  const maxFailures = options.maxFailures ?? 5;
  let previous: TRun | undefined;
  let failures = 0;
  let run = options.initial;
  for (;;) {
    if (!run) {
      try {
        run = await client.getRun(runId);
        failures = 0;
      } catch (err) {
        if (!(err instanceof ApiError) || err.exitCode !== EXIT.server || ++failures >= maxFailures) throw err;
        await sleep(options.pollMs);
        continue;
      }
    }
    const at = now();
    if (!previous || previous.status !== run.status) options.onRunStatus?.(run, at);
    for (const t of stepTransitions(previous?.steps ?? [], run.steps)) options.onTransition(t, at);
    if (isRunTerminal(run.status)) return run;
    previous = run;
    run = undefined;
    await sleep(options.pollMs);
  }
}
