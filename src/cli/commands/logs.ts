import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { isRunTerminal } from "~/engine/status";
import type { ApiClient, TLogLine } from "../api-client";
import { EXIT_CODES_HELP } from "../exit-codes";
import { formatLogLine } from "../format";
import { remoteAction } from "../remote-action";
import { printJson, printLine } from "../terminal-output";

/** Lines per request; a full page means more are waiting, so the next page is fetched at once. */
const PAGE = 1000;

type LogsOptions = { follow?: boolean; json?: boolean };
type Emit = (step: string, line: TLogLine) => void;

/** `wf logs RUN [STEP] [-f]`: logs of one step, or of every step interleaved in order (prefixed [step]). */
export function logsCommand(program: Command): void {
  program
    .command("logs")
    .description("print the logs of a step, or of all steps of a run (prefixed [step]); -f follows until the run ends")
    .argument("<run>", "run id")
    .argument("[step]", "step id (default: all steps)")
    .option("-f, --follow", "keep printing new lines until the run (or the step) is finished")
    .option("--json", "one JSON object per line: {step, seq, attempt, stream, text, at}")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(
      remoteAction(async ({ client, config }, runId: string, step: string | undefined, options: LogsOptions) => {
        const lastAttempt = new Map<string, number>();
        const emit: Emit = (stepId, line) => {
          if (options.json) {
            printJson({ step: stepId, ...line }, "stdout", { oneLine: true });
            return;
          }
          const prefix = step === undefined ? stepId : undefined;
          const seen = lastAttempt.get(stepId);
          // A retried step logs again from the top: mark where the new attempt starts.
          if (seen !== undefined && seen !== line.attempt) printLine(formatLogLine({ ...line, text: `--- attempt ${line.attempt} ---` }, prefix));
          lastAttempt.set(stepId, line.attempt);
          printLine(formatLogLine(line, prefix));
        };
        const follow = { follow: options.follow === true, pollMs: config.pollMs };
        if (step === undefined) await allStepLogs(client, runId, emit, follow);
        else await stepLogs(client, runId, step, emit, follow);
      }),
    );
}

/** Pages through one step's logs; with follow, polls `after` until the server says the step is done. */
async function stepLogs(client: ApiClient, runId: string, step: string, emit: Emit, o: { follow: boolean; pollMs: number }): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await client.stepLogs(runId, step, { after, limit: PAGE });
    for (const line of page.lines) emit(step, line);
    after = page.nextAfter;
    if (page.lines.length >= PAGE) continue;
    if (!o.follow || page.done) return;
    await sleep(o.pollMs);
  }
}

/**
 * Every step's logs, merged by `seq` (the server numbers log lines of a run in the order they were
 * written). Each round reads the run, then the new lines of every started step; following ends when
 * the run is terminal and every step's logs say done.
 */
async function allStepLogs(client: ApiClient, runId: string, emit: Emit, o: { follow: boolean; pollMs: number }): Promise<void> {
  const cursors = new Map<string, { after: number; done: boolean }>();
  for (;;) {
    const run = await client.getRun(runId);
    const terminal = isRunTerminal(run.status);
    const batch: { step: string; line: TLogLine }[] = [];
    for (const s of run.steps) {
      const cursor = cursors.get(s.id) ?? { after: 0, done: false };
      cursors.set(s.id, cursor);
      // Not started yet: no logs to ask for (and, once the run is over, none to wait for).
      if (s.attempt === 0 && s.startedAt === null) cursor.done ||= terminal;
      if (cursor.done || (s.attempt === 0 && s.startedAt === null)) continue;
      for (;;) {
        const page = await client.stepLogs(runId, s.id, { after: cursor.after, limit: PAGE });
        for (const line of page.lines) batch.push({ step: s.id, line });
        cursor.after = page.nextAfter;
        cursor.done = page.done;
        if (page.lines.length < PAGE) break;
      }
    }
    batch.sort((a, b) => a.line.seq - b.line.seq);
    for (const { step, line } of batch) emit(step, line);
    // The server says `done` for a step once the run is over and its last line was read.
    if (!o.follow || (terminal && [...cursors.values()].every((c) => c.done))) return;
    await sleep(o.pollMs);
  }
}
