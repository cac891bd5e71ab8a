import type { LeafStepType } from "../definition/schema";
import type { Json } from "../json";
import type { ExpressionContext } from "./evaluate";
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
  | { ok: false; code: "expression" | "invalid_params"; message: string };

const isRecord = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Renders a step's params for its start. Every `{{ }}` is interpolated (renderValue), except in a
 * shell step's `params.command`: there a value must never become shell syntax, so the command is
 * rewritten to reference variables and the values travel beside it as data.
 */
export function renderStepParams(type: LeafStepType, params: Json, context: ExpressionContext): StepParamsRender {
  if (type === "shell" && isRecord(params) && typeof params.command === "string" && params.command.includes("{{")) {
    const { command, ...rest } = params;
    const shell = renderShellCommand(command, context);
    if (!shell.ok) return shell;
    const others = renderValue(rest, context);
    if (!others.ok) return { ok: false, code: "expression", message: `params: ${others.error.message} in "${others.error.template}"` };
    const secrets = [...new Set([...shell.secrets, ...others.secrets])];
    return { ok: true, value: { ...(others.value as { [key: string]: Json }), command: shell.command }, secrets, commandValues: shell.values };
  }
  const rendered = renderValue(params, context);
  if (!rendered.ok) return { ok: false, code: "expression", message: `params: ${rendered.error.message} in "${rendered.error.template}"` };
  return { ok: true, value: rendered.value, secrets: rendered.secrets };
}
