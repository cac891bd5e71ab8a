import type { Command } from "commander";
import { formatIssue, type WorkflowIssue } from "~/engine/definition/workflow-issue";
import { loadFile } from "../io";
import { printJson, printLine } from "../terminal-output";

/** `wf validate FILE...`: exit 1 on errors, one `file:line:col: message` per error, or --json. */
export function validateCommand(program: Command): void {
  program
    .command("validate")
    .description("validate workflow files (exit 1 on errors)")
    .argument("<files...>", "workflow YAML files")
    .option("--json", "print a JSON report")
    .action((files: string[], options: { json?: boolean }) => {
      const report: { file: string; valid: boolean; errors: WorkflowIssue[] }[] = [];
      for (const file of files) {
        const result = loadFile(file);
        report.push({ file, valid: result.ok, errors: result.errors });
      }
      if (options.json) printJson(report);
      else {
        for (const r of report) {
          if (r.valid) printLine(`${r.file}: ok`);
          for (const e of r.errors) printLine(formatIssue(e), "stderr");
        }
      }
      if (report.some((r) => !r.valid)) process.exitCode = 1;
    });
}
