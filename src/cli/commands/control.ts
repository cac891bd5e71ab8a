import type { Command } from "commander";
import type { RunControl } from "../api-client";
import { EXIT_CODES_HELP } from "../exit-codes";
import { remoteAction } from "../remote-action";

const DESCRIPTIONS: Record<RunControl, string> = {
  cancel: "cancel a queued, running, paused or waiting run",
  pause: "pause a run (running steps finish, no new ones start)",
  resume: "resume a paused run",
  retry: "retry a failed or cancelled run from its failed steps",
};

/** `wf cancel|pause|resume|retry RUN`: one POST each; 409 when the run's status does not allow it. */
export function controlCommands(program: Command): void {
  for (const action of Object.keys(DESCRIPTIONS) as RunControl[]) {
    program
      .command(action)
      .description(DESCRIPTIONS[action])
      .argument("<run>", "run id")
      .option("--json", "print the run as JSON")
      .addHelpText("after", EXIT_CODES_HELP)
      .action(
        remoteAction(async ({ client }, runId: string, options: { json?: boolean }) => {
          const run = await client.controlRun(runId, action);
          process.stdout.write(options.json ? `${JSON.stringify(run, null, 2)}\n` : `run ${run.id}: ${action} requested, now ${run.status}\n`);
        }),
      );
  }
}
