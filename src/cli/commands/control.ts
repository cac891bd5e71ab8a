import type { Command } from "commander";
import type { RunControl } from "../api-client";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes";
import { CliExit, remoteAction } from "../remote-action";
import { decideGate, GATE_EXIT_CODES_HELP, GATE_PREFIX, isGateId } from "./approvals";
import { printJson, printLine } from "../terminal-output";

const DESCRIPTIONS: Record<RunControl, string> = {
  cancel: `cancel a queued, running, paused or waiting run; given a gate id (${GATE_PREFIX}...), cancel the gate instead`,
  pause: "pause a run (running steps finish, no new ones start)",
  resume: "resume a paused run",
  retry: `retry a failed or cancelled run from its failed steps; given a gate id (${GATE_PREFIX}...), send the gated step back for another attempt`,
};

/** `wf cancel` and `wf retry` are both run controls and gate decisions: the id's prefix decides. */
const gateActionOf = (action: RunControl): "cancel" | "retry" | undefined => (action === "cancel" || action === "retry" ? action : undefined);

const dispatchHelp = (action: RunControl) => `
Runs and gates:
  wf ${action} run_...   ${action === "cancel" ? "cancels the run" : "retries the run from its failed steps"} (POST /runs/{id}/${action})
  wf ${action} ${GATE_PREFIX}...   ${action === "cancel" ? "cancels the approval gate" : "decides the approval gate: the step runs again"}, like the other gate decisions
                     (wf approve|modify|skip|reject); --comment${action === "retry" ? " and --payload are" : " is"} for gates only
  The id's prefix decides which.`;

type ControlOptions = { json?: boolean; comment?: string; payload?: string };

/** `wf cancel|pause|resume|retry RUN`: one POST each; 409 when the run's status does not allow it. */
export function controlCommands(program: Command): void {
  for (const action of Object.keys(DESCRIPTIONS) as RunControl[]) {
    const gateAction = gateActionOf(action);
    const gatesToo = gateAction !== undefined;
    const cmd = program
      .command(action)
      .description(DESCRIPTIONS[action])
      .argument(gatesToo ? "<id>" : "<run>", gatesToo ? `run id (run_...) or approval gate id (${GATE_PREFIX}...)` : "run id")
      .option("--json", gatesToo ? "print the run (or the gate) as JSON" : "print the run as JSON");
    if (gatesToo) cmd.option("--comment <text>", "gates only: a comment recorded with the decision");
    if (action === "retry") cmd.option("--payload <file>", "gates only: JSON file of new params for the next attempt (- reads stdin)");
    if (gatesToo) cmd.addHelpText("after", dispatchHelp(action));
    cmd.addHelpText("after", gatesToo ? `${EXIT_CODES_HELP}\n\nFor a gate:${GATE_EXIT_CODES_HELP.replace(/^\nExit codes:/, "")}` : EXIT_CODES_HELP).action(
      remoteAction(async ({ client }, id: string, options: ControlOptions) => {
        if (gateAction && isGateId(id)) return decideGate(client, id, gateAction, options);
        const gateOnly = [options.comment !== undefined && "--comment", options.payload !== undefined && "--payload"].filter(Boolean);
        if (gateOnly.length > 0) throw new CliExit(EXIT.usage, `${gateOnly.join(" and ")}: for gates only (gate ids start with ${GATE_PREFIX}); ${id} is not a gate id`);
        const run = await client.controlRun(id, action);
        if (options.json) printJson(run);
        else printLine(`run ${run.id}: ${action} requested, now ${run.status}`);
      }),
    );
  }
}
