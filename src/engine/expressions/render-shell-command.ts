import type { Json } from "../json";
import { evaluate, expressionCode, type ExpressionContext } from "./evaluate";
import type { ExpressionMeter } from "./expression-meter";
import { rewriteShellCommand } from "./rewrite-shell-command";

export type ShellCommandRender =
  | {
      ok: true;
      /** The script for `/bin/sh -c`: references to `WF_VALUE_<k>`, never a rendered value. */
      command: string;
      /** The rendered values, in template order: `values[k]` is `WF_VALUE_<k>`. */
      values: string[];
      /** Secret values present in the values: redact them from logs. */
      secrets: string[];
    }
  | { ok: false; code: "expression" | "expression_budget" | "invalid_params"; message: string };

/** `line L, column C` (1-based) of an offset in a text. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}

const stringify = (value: Json): string => (typeof value === "string" ? value : JSON.stringify(value));

/**
 * Renders a shell step's `params.command` as a script plus values (see rewrite-shell-command.ts):
 * the values are data for the executor, the script is the author's text alone. Values are strings
 * as `{{ }}` interpolation has always made them (objects and lists as JSON). A value holding NUL,
 * which no environment variable or shell string can carry, fails here rather than in a spawn.
 */
export function renderShellCommand(template: string, context: ExpressionContext, meter?: ExpressionMeter): ShellCommandRender {
  const rewrite = rewriteShellCommand(template);
  if (!rewrite.ok) {
    return { ok: false, code: "invalid_params", message: `params.command: ${rewrite.message} (at ${lineColumn(template, rewrite.offset)} of the command)` };
  }
  const values: string[] = [];
  for (const slot of rewrite.slots) {
    const result = evaluate(slot.expr, context, meter);
    if (!result.ok) return { ok: false, code: expressionCode(result.error), message: `params: ${result.error.message} in "${template}"` };
    const value = stringify(result.value);
    if (value.includes("\u0000")) {
      return {
        ok: false,
        code: "invalid_params",
        message: `params.command: the value of {{ ${slot.expr} }} (at ${lineColumn(template, slot.at)} of the command) contains a NUL character, which a shell string cannot hold: remove it from the value, or pass the data to the step in a file`,
      };
    }
    values.push(value);
  }
  const secrets: string[] = [];
  for (const secret of Object.values(context.secrets ?? {})) {
    if (secret.length > 0 && values.some((v) => v.includes(secret))) secrets.push(secret);
  }
  return { ok: true, command: rewrite.script, values, secrets };
}
