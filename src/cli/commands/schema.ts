import type { Command } from "commander";
import { workflowJsonSchema } from "~/engine/definition/json-schema";
import { printJson } from "../terminal-output";

/** `wf schema`: the JSON Schema of the workflow format. */
export function schemaCommand(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of the workflow format")
    .action(() => {
      printJson(workflowJsonSchema());
    });
}
