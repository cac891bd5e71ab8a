import type { Command } from "commander";
import { workflowJsonSchema } from "~/engine/definition/json-schema";

/** `wf schema`: the JSON Schema of the workflow format. */
export function schemaCommand(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of the workflow format")
    .action(() => {
      process.stdout.write(`${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
    });
}
