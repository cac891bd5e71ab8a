import { Command } from "commander";
import { approvalsCommands } from "./commands/approvals";
import { auditCommand } from "./commands/audit";
import { controlCommands } from "./commands/control";
import { logsCommand } from "./commands/logs";
import { planCommand } from "./commands/plan";
import { runCommand } from "./commands/run";
import { runsCommand } from "./commands/runs";
import { schemaCommand } from "./commands/schema";
import { statusCommand } from "./commands/status";
import { validateCommand } from "./commands/validate";
import { EXIT } from "./exit-codes";

/** The `wf` command line. One file per command under commands/, registered here. */
export function buildProgram(): Command {
  const program = new Command("wf")
    .description("workflow orchestrator CLI")
    .showHelpAfterError()
    // Set before the commands are added, so that every command inherits them.
    .configureHelp({ showGlobalOptions: true })
    // A usage error (unknown option, missing argument) exits 2, like a configuration error; help exits 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage))
    .option("--server <url>", "server URL (default: $WF_SERVER, else http://127.0.0.1:3000)")
    .option("--token <token>", "API token (default: $WF_TOKEN; create one under Admin -> API tokens)");
  validateCommand(program);
  planCommand(program);
  schemaCommand(program);
  runCommand(program);
  statusCommand(program);
  logsCommand(program);
  controlCommands(program);
  runsCommand(program);
  approvalsCommands(program);
  auditCommand(program);
  return program;
}

// `wf schema | head` closes the pipe early: that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

await buildProgram().parseAsync(process.argv);
