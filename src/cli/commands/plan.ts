import type { Command } from "commander";
import { formatIssue } from "~/engine/definition/workflow-issue";
import { plan } from "~/engine/graph/plan-levels";
import { loadFile } from "../io";
import { printJson, printLine } from "../terminal-output";

function parseEstimates(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list) {
    const [id, value] = item.split("=");
    if (id && value !== undefined && !Number.isNaN(Number(value))) out[id] = Number(value);
  }
  return out;
}

/** `wf plan FILE`: execution levels and the critical path. */
export function planCommand(program: Command): void {
  program
    .command("plan")
    .description("print execution levels and the critical path of a workflow")
    .argument("<file>", "workflow YAML file")
    .option("-e, --estimate <step=duration...>", "estimated duration of a step (default 1)", [])
    .option("--json", "print JSON")
    .action((file: string, options: { estimate: string[]; json?: boolean }) => {
      const result = loadFile(file);
      if (!result.ok) {
        for (const e of result.errors) printLine(formatIssue(e), "stderr");
        process.exitCode = 1;
        return;
      }
      const p = plan(result.definition, parseEstimates(options.estimate));
      if (options.json) {
        printJson(p);
        return;
      }
      printLine(`${result.definition.name}: ${p.levels.length} levels`);
      p.levels.forEach((level, i) => printLine(`  level ${i + 1}: ${level.join(", ")}`));
      printLine(`critical path (${p.duration}): ${p.criticalPath.join(" -> ")}`);
    });
}
