import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { GATE_STATUSES } from "~/engine/status";
import { ApiError, type ApiClient, type GateAction, type TApproval } from "../api-client";
import { EXIT } from "../exit-codes";
import { formatApprovalsTable } from "../format";
import { CliExit, remoteAction } from "../remote-action";
import { printJson, printLine } from "../terminal-output";

/** Gate ids start with this; run ids with `run_` (src/server/ids.ts). `wf cancel` dispatches on it. */
export const GATE_PREFIX = "apr_";
export const isGateId = (id: string): boolean => id.startsWith(GATE_PREFIX);

export const GATE_EXIT_CODES_HELP = `
Exit codes:
  0  decided; prints the gate's new status
  2  refused: not allowed to decide (the server's reason is printed), already decided, unknown gate,
     bad option or payload, missing/rejected token; with several gates: any of them refused
  4  server or network error (unreachable, HTTP 5xx, unexpected response)`;

/** cancel and retry are also run controls: `wf cancel|retry ID` dispatch on the id's prefix (control.ts). */
const DESCRIPTIONS: Record<Exclude<GateAction, "cancel" | "retry">, string> = {
  approve: "approve gates: the step's output goes on as is (several ids: one batch, each decided on its own; a gate with a form: --payload FILE of its values)",
  modify: "approve with a new output for the step (--payload FILE) and/or new params for the steps that run next (--next-params FILE); only the fields the gate lists as editable; a gate with a form: its values (--form FILE)",
  skip: "skip the step; the run goes on without it",
  reject: "reject gates: the step fails (several ids: one batch, each decided on its own)",
};

type DecideOptions = { comment?: string; payload?: string; nextParams?: string; form?: string; json?: boolean };

const statusFilter = (value: string): string => {
  if (value === "all" || GATE_STATUSES.some((s) => s === value)) return value;
  throw new InvalidArgumentError(`expected one of ${GATE_STATUSES.join(", ")}, all`);
};

/** The JSON of --payload (or another option): a file, or stdin for `-`. */
export function readPayload(file: string, option = "--payload"): unknown {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new CliExit(EXIT.usage, `${option} ${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliExit(EXIT.usage, `${option} ${file === "-" ? "- (stdin)" : file}: not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A run id where a gate id belongs is an easy mistake: say where the gates are. */
function checkGateId(id: string): void {
  if (id.startsWith("run_")) throw new CliExit(EXIT.usage, `${id} is a run id; gate ids start with ${GATE_PREFIX} (list the run's gates: wf approvals --run ${id})`);
}

/** One decision on one gate; 403 and 409 become exit 2 with the reason. Prints the new status. */
export async function decideGate(client: ApiClient, id: string, action: GateAction, options: DecideOptions): Promise<number> {
  checkGateId(id);
  const payload = options.payload === undefined ? undefined : readPayload(options.payload);
  const nextParams = options.nextParams === undefined ? undefined : readPayload(options.nextParams, "--next-params");
  if (nextParams !== undefined && (typeof nextParams !== "object" || nextParams === null || Array.isArray(nextParams))) {
    throw new CliExit(EXIT.usage, "--next-params: expected a JSON object of step id -> params");
  }
  const form = options.form === undefined ? undefined : readPayload(options.form, "--form");
  if (form !== undefined && (typeof form !== "object" || form === null || Array.isArray(form))) throw new CliExit(EXIT.usage, "--form: expected a JSON object of field -> value");
  if (action === "modify" && payload === undefined && nextParams === undefined && form === undefined) {
    throw new CliExit(EXIT.usage, "modify needs --payload FILE (the step's new output as JSON), --next-params FILE (step id -> params) and/or --form FILE (the form's values); - reads stdin");
  }
  let gate: TApproval;
  try {
    gate = await client.decideApproval(id, {
      action,
      comment: options.comment,
      payload,
      ...(nextParams !== undefined ? { nextParams: nextParams as Record<string, unknown> } : {}),
      ...(form !== undefined ? { form: form as Record<string, unknown> } : {}),
    });
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) throw new CliExit(EXIT.usage, `cannot ${action} ${id}: ${err.detail ?? err.message}`);
    if (err instanceof ApiError && err.status === 409) throw new CliExit(EXIT.usage, `cannot ${action} ${id}: already decided (${err.detail ?? err.message})`);
    throw err;
  }
  if (options.json) printJson(gate);
  else printLine(`gate ${gate.id} (run ${gate.runId}, step ${gate.stepId}): ${gate.status}`);
  return EXIT.ok;
}

/** approve|reject of several gates: the batch endpoint; one line per gate; exit 2 if any was refused. */
async function decideBatch(client: ApiClient, ids: string[], action: "approve" | "reject", options: DecideOptions): Promise<number> {
  ids.forEach(checkGateId);
  const results = await client.decideApprovals({ ids, action, comment: options.comment });
  if (options.json) printJson(results);
  else for (const r of results) printLine(r.ok ? `gate ${r.id}: ${r.status ?? "decided"}` : `gate ${r.id}: refused: ${r.error?.message ?? "not decided"}`);
  const refused = results.filter((r) => !r.ok).length;
  if (refused === 0) return EXIT.ok;
  throw new CliExit(EXIT.usage, `${refused} of ${results.length} gates refused`);
}

/** `wf approvals`: the inbox; `wf approve|modify|skip|reject GATE`: decisions (cancel and retry: control.ts). */
export function approvalsCommands(program: Command): void {
  program
    .command("approvals")
    .description("list approval gates (default: pending ones) and whether you may decide them")
    .option("--status <status>", `gates in this status (${GATE_STATUSES.join("|")}|all)`, statusFilter, "pending")
    .option("--run <run>", "only gates of this run")
    .option("--json", "print the gates as JSON")
    .addHelpText("after", GATE_EXIT_CODES_HELP)
    .action(
      remoteAction(async ({ client }, options: { status: string; run?: string; json?: boolean }) => {
        const status = options.status === "all" ? undefined : options.status;
        const gates = await client.listApprovals({ status, runId: options.run });
        if (options.json) printJson(gates);
        else printLine(formatApprovalsTable(gates, Date.now(), status));
      }),
    );

  for (const action of Object.keys(DESCRIPTIONS) as (keyof typeof DESCRIPTIONS)[]) {
    const batch = action === "approve" || action === "reject";
    const cmd = program
      .command(action)
      .description(DESCRIPTIONS[action])
      .argument(batch ? "<gate...>" : "<gate>", `approval gate id (${GATE_PREFIX}...; see wf approvals)`)
      .option("--comment <text>", "a comment recorded with the decision");
    if (action === "modify") {
      cmd.option("--payload <file>", "JSON file: the step's new output (- reads stdin)");
      cmd.option("--next-params <file>", "JSON file: new params of the steps that run next, {\"<step id>\": {...params}}");
      cmd.option("--form <file>", "JSON file: the values of the gate's form (- reads stdin)");
    }
    if (action === "approve") cmd.option("--payload <file>", "JSON file: the values of the gate's form (one gate only; - reads stdin)");
    cmd
      .option("--json", batch ? "print the gate (several: the batch results) as JSON" : "print the gate as JSON")
      .addHelpText("after", GATE_EXIT_CODES_HELP)
      .action(
        remoteAction(async ({ client }, gates: string | string[], options: DecideOptions) => {
          const ids = Array.isArray(gates) ? gates : [gates];
          const [first] = ids;
          if (ids.length > 1 && batch) {
            if (options.payload !== undefined) throw new CliExit(EXIT.usage, "--payload goes with one gate: form values are per gate");
            return decideBatch(client, ids, action, options);
          }
          if (first === undefined) throw new CliExit(EXIT.usage, "missing gate id");
          return decideGate(client, first, action, options);
        }),
      );
  }
}
