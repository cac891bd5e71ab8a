import { Command } from "commander";
import { planCommand } from "./commands/plan";
import { schemaCommand } from "./commands/schema";
import { validateCommand } from "./commands/validate";

/** The `wf` command line. One file per command under commands/, registered here. */
export function buildProgram(): Command {
  const program = new Command("wf").description("workflow orchestrator CLI").showHelpAfterError();
  validateCommand(program);
  planCommand(program);
  schemaCommand(program);
  return program;
}

// `wf schema | head` closes the pipe early: that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

buildProgram().parse(process.argv);
