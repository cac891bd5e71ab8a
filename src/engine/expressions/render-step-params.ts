import type { LeafStepType } from "../definition/schema";
import type { Json } from "../json";
import { expressionCode, type ExpressionContext } from "./evaluate";
import type { ExpressionMeter } from "./expression-meter";
import { renderValue } from "./render-template";
import { renderShellCommand } from "./render-shell-command";

export type StepParamsRender =
  | {
      ok: true;
      value: Json;
      /** Secret values in the rendered params (or command values): redact them from logs. */
      secrets: string[];
      /** A shell step's `params.command` values, `WF_VALUE_<k>` (see render-shell-command.ts). */
      commandValues?: string[];
    }
  | { ok: false; code: "expression" | "expression_budget" | "invalid_params"; message: string };

const isRecord = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Renders a step's params for its start. Every `{{ }}` is interpolated (renderValue), except in a
 * shell step's `params.command`: there a value must never become shell syntax, so the command is
 * rewritten to reference variables and the values travel beside it as data.
 */
export function renderStepParams(type: LeafStepType, params: Json, context: ExpressionContext, meter?: ExpressionMeter): StepParamsRender {
  if (type === "shell" && isRecord(params) && typeof params.command === "string" && params.command.includes("{{")) {
    const { command, ...rest } = params;
    const shell = renderShellCommand(command, context, meter);
    if (!shell.ok) return shell;
    const others = renderValue(rest, context, meter);
    if (!others.ok) return { ok: false, code: expressionCode(others.error), message: `params: ${others.error.message} in "${others.error.template}"` };
    const secrets = [...new Set([...shell.secrets, ...others.secrets])];
    return { ok: true, value: { ...(shellStrings(others.value) as { [key: string]: Json }), command: shell.command }, secrets, commandValues: shell.values };
  }
  const rendered = renderValue(params, context, meter);
  if (!rendered.ok) return { ok: false, code: expressionCode(rendered.error), message: `params: ${rendered.error.message} in "${rendered.error.template}"` };
  return { ok: true, value: type === "shell" ? shellStrings(rendered.value) : rendered.value, secrets: rendered.secrets };
}

const text = (v: Json): Json => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * A shell step's argv elements and env values are strings: `"{{ inputs.n }}"` alone keeps the
 * value's type when rendered (5, {a: 1}), which is one argument or one variable all the same, so it
 * becomes its text (JSON for objects) rather than failing the params' schema.
 */
function shellStrings(params: Json): Json {
  if (!isRecord(params)) return params;
  const out = { ...params };
  if (Array.isArray(params.argv)) out.argv = params.argv.map(text);
  if (isRecord(params.env ?? null)) out.env = Object.fromEntries(Object.entries(params.env as { [key: string]: Json }).map(([k, v]) => [k, text(v)]));
  return out;
}
