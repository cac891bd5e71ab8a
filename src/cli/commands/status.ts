import type { Command } from "commander";
import { EXIT_CODES_HELP } from "../exit-codes";
import { formatRunStatus } from "../format";
import { remoteAction } from "../remote-action";
import { printJson, printLine } from "../terminal-output";

/** `wf status RUN`: the run and a table of its steps. */
export function statusCommand(program: Command): void {
  program
    .command("status")
    .description("show a run and its steps (status, attempt, duration, error or reason)")
    .argument("<run>", "run id")
    .option("--json", "print the run as JSON")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(
      remoteAction(async ({ client }, runId: string, options: { json?: boolean }) => {
        const run = await client.getRun(runId);
        if (options.json) printJson(run);
        else printLine(`${formatRunStatus(run, Date.now())}\n${client.runUrl(run.id)}`);
      }),
    );
}
