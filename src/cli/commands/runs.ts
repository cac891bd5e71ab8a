import { setTimeout as sleep } from "node:timers/promises";
import { InvalidArgumentError, type Command } from "commander";
import { isRunTerminal, RUN_STATUSES, type RunStatus } from "~/engine/status";
import { ApiError, type ApiClient, type TRunSummary } from "../api-client";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes";
import { clock, formatRunsTable, formatWatchTable } from "../format";
import { remoteAction } from "../remote-action";
import { printJson, printLine, screen } from "../terminal-output";
import { safeJson, terminalSafe } from "../terminal-safe";

type RunsOptions = { status?: RunStatus; workflow?: string; limit: number; cursor?: string; watch?: boolean; json?: boolean };

const ACTIVE: readonly RunStatus[] = RUN_STATUSES.filter((s) => !isRunTerminal(s));

const runStatus = (value: string): RunStatus => {
  const found = RUN_STATUSES.find((s) => s === value);
  if (!found) throw new InvalidArgumentError(`expected one of ${RUN_STATUSES.join(", ")}`);
  return found;
};
const limit = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new InvalidArgumentError("expected a whole number from 1 to 200");
  return n;
};

/** `wf runs`: a table of runs, newest first; `--watch`: a live table of the active ones. */
export function runsCommand(program: Command): void {
  program
    .command("runs")
    .description("list runs, newest first (--watch: live view of active runs, Ctrl-C to exit)")
    .option("--status <status>", `only runs in this status (${RUN_STATUSES.join("|")})`, runStatus)
    .option("--workflow <name>", "only runs of this workflow")
    .option("--limit <n>", "at most this many runs (1-200)", limit, 20)
    .option("--cursor <cursor>", "the next page (printed under a full page)")
    .option("--watch", "refresh every second: progress bar, running steps and age of active runs")
    .option("--json", "print {items, nextCursor} as JSON")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(
      remoteAction(async ({ client, config }, options: RunsOptions) => {
        if (options.watch) return watch(client, options, config.pollMs);
        const page = await client.listRuns({ status: options.status, workflow: options.workflow, limit: options.limit, cursor: options.cursor });
        if (options.json) {
          printJson(page);
          return;
        }
        printLine(formatRunsTable(page.items, Date.now()));
        if (page.nextCursor) printLine(`more: wf runs --cursor ${page.nextCursor}`);
      }),
    );
}

/** Active runs (or those in --status), newest first, with the ids of their running steps. */
async function activeRuns(client: ApiClient, options: RunsOptions): Promise<{ run: TRunSummary; running: string[] }[]> {
  // The list filters on one status: ask once per active status rather than page through finished runs.
  const pages = await Promise.all(
    (options.status ? [options.status] : ACTIVE).map((status) => client.listRuns({ status, workflow: options.workflow, limit: options.limit })),
  );
  const runs = pages
    .flatMap((p) => p.items)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .slice(0, options.limit);
  return Promise.all(
    runs.map(async (run) => {
      if (run.progress.running === 0 || isRunTerminal(run.status)) return { run, running: [] };
      const detail = await client.getRun(run.id);
      return { run, running: detail.steps.filter((s) => s.status === "running").map((s) => s.id) };
    }),
  );
}

async function watch(client: ApiClient, options: RunsOptions, pollMs: number): Promise<number> {
  const tty = screen.isTTY;
  let drawn = 0;
  const restore = () => {
    if (tty) screen.showCursor();
  };
  // Ctrl-C is how a watch ends: not an error.
  process.once("SIGINT", () => {
    restore();
    process.exit(EXIT.ok);
  });
  if (tty) screen.hideCursor();
  try {
    for (;;) {
      let body: string;
      try {
        const runs = await activeRuns(client, options);
        body = options.json ? safeJson(runs.map(({ run, running }) => ({ ...run, runningSteps: running })), { oneLine: true }) : formatWatchTable(runs, Date.now());
      } catch (err) {
        // The server restarting is worth showing, not worth quitting; a rejected token is.
        if (!(err instanceof ApiError) || err.exitCode !== EXIT.server) throw err;
        body = `${err.message} (retrying)`;
      }
      const frame = options.json ? body : `${clock(new Date())}  ${client.config.server}  active runs (Ctrl-C to exit)\n\n${body}`;
      if (tty && !options.json) {
        const width = screen.columns;
        const lines = terminalSafe(frame).split("\n").map((l) => (l.length > width ? l.slice(0, width) : l));
        // Back to the top of the previous frame, clear it, draw the new one.
        screen.redraw(drawn, lines.join("\n"));
        drawn = lines.length;
      } else {
        printLine(options.json ? frame : `${frame}\n`);
      }
      await sleep(pollMs);
    }
  } finally {
    restore();
  }
}
