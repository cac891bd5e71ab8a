import { existsSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { formatIssue } from "~/engine/definition/workflow-issue";
import type { TRun } from "../api-client";
import { EXIT, EXIT_CODES_HELP, exitCodeForRun } from "../exit-codes";
import { elapsed, formatTransition } from "../format";
import { followRun } from "../follow-run";
import { loadFile } from "../io";
import { parseInputs } from "../parse-inputs";
import { CliExit, remoteAction } from "../remote-action";
import { printJson, printLine } from "../terminal-output";

type RunOptions = { input?: string[]; inputsFile?: string; wait?: boolean; autoApprove?: boolean; version?: number; json?: boolean };

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
  return n;
};

/** A .yaml/.yml argument that exists is a file to upload first; anything else names a workflow on the server. */
export function isWorkflowFile(target: string): boolean {
  return [".yaml", ".yml"].includes(extname(target).toLowerCase());
}

/** `wf run NAME|FILE`: start a run, optionally wait for its result (exit code = result). */
export function runCommand(program: Command): void {
  program
    .command("run")
    .description("start a run of a workflow on the server (a .yaml/.yml file is validated and uploaded first)")
    .argument("<workflow>", "workflow name, or a workflow YAML file")
    .option("-i, --input <key=value>", "a run input; the value is JSON when it parses, else a string (repeatable)", collect)
    .option("--inputs-file <file>", "run inputs from a JSON object file (--input wins key by key)")
    .option("--version <n>", "run this version of the workflow (default: latest)", positiveInt)
    .option("--auto-approve", "approval gates approve themselves (approvalMode auto)")
    .option("-w, --wait", "follow the run, one line per step status change; exit code = run result")
    .option("--json", "print the run as JSON (with --wait: the final run; progress goes to stderr)")
    .addHelpText("after", `${EXIT_CODES_HELP}\n\nExamples:\n  wf run hello --input name=world --wait\n  wf run ./deploy.yaml --inputs-file inputs.json --auto-approve`)
    .action(
      remoteAction(async ({ client, config }, target: string, options: RunOptions) => {
        const out = (line: string) => printLine(line, options.json ? "stderr" : "stdout");
        let inputs: Record<string, unknown>;
        try {
          const fileJson = options.inputsFile === undefined ? undefined : readFileSync(options.inputsFile, "utf8");
          inputs = parseInputs(options.input ?? [], fileJson, options.inputsFile);
        } catch (err) {
          throw new CliExit(EXIT.usage, err instanceof Error ? err.message : String(err));
        }

        let workflow = target;
        if (isWorkflowFile(target)) {
          if (!existsSync(target)) throw new CliExit(EXIT.usage, `no such file: ${target}`);
          if (options.version !== undefined) throw new CliExit(EXIT.usage, "--version names a version on the server; it cannot be combined with a file");
          const loaded = loadFile(target);
          if (!loaded.ok) {
            for (const e of loaded.errors) printLine(formatIssue(e), "stderr");
            throw new CliExit(EXIT.usage, `${target}: not a valid workflow, nothing uploaded`);
          }
          const saved = await client.saveWorkflow(readFileSync(target, "utf8"));
          out(`workflow ${saved.name} v${saved.version} ${saved.created ? "uploaded" : "unchanged"}`);
          workflow = saved.name;
        }

        const started = await client.startRun({
          workflow,
          ...(options.version !== undefined ? { version: options.version } : {}),
          ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
          approvalMode: options.autoApprove ? "auto" : "interactive",
        });
        out(`run ${started.id} started (${started.workflow} v${started.version})`);
        out(client.runUrl(started.id));
        if (!options.wait) {
          if (options.json) printJson(started);
          return EXIT.ok;
        }

        let hinted = false;
        const final = await followRun(client, started.id, {
          pollMs: config.pollMs,
          initial: started,
          onTransition: (t, at) => out(formatTransition(t, at)),
          onRunStatus: (run, at) => {
            if (run.status === "waiting_approval" && !hinted) {
              hinted = true;
              out(`${formatTransition({ step: "run", from: undefined, to: run.status, attempt: 0, error: null }, at)}  (decide in the web app or with wf approvals)`);
            }
          },
        });
        if (options.json) printJson(final);
        else printSummary(final);
        return exitCodeForRun(final.status) ?? EXIT.server;
      }),
    );
}

function printSummary(run: TRun): void {
  const took = elapsed(run.startedAt ?? run.createdAt, run.finishedAt, Date.now());
  printLine(`run ${run.id} ${run.status} in ${took}${run.reason ? `: ${run.reason}` : ""}`);
  for (const s of run.steps) if (s.status === "failed") printLine(`  ${s.id} failed: ${s.error?.message ?? s.reason ?? "no error message"}`);
}
