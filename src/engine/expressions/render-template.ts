import type { Json } from "../json";
import { evaluate, type ExpressionContext, type ExpressionError } from "./evaluate";
import type { ExpressionMeter } from "./expression-meter";
import { hasTemplate, parseTemplate } from "./template";

export type RenderResult =
  | { ok: true; value: Json; /** Secret values that ended up in the value: redact them from logs. */ secrets: string[] }
  | { ok: false; error: ExpressionError & { template: string } };

function stringify(value: Json): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function secretsIn(rendered: string, context: ExpressionContext): string[] {
  const used: string[] = [];
  for (const value of Object.values(context.secrets ?? {})) {
    if (value.length > 0 && rendered.includes(value)) used.push(value);
  }
  return used;
}

/**
 * Renders `{{ expr }}` templates in a string. A string that is exactly one `{{ expr }}` keeps the
 * value's type (number, object...); mixed text interpolates (objects as JSON).
 */
export function renderTemplate(template: string, context: ExpressionContext, meter?: ExpressionMeter): RenderResult {
  if (!hasTemplate(template)) return { ok: true, value: template, secrets: [] };
  const parsed = parseTemplate(template);
  if (!parsed.ok) return { ok: false, error: { code: "parse", message: parsed.message, offset: parsed.offset, template } };
  const [only] = parsed.segments;
  if (parsed.segments.length === 1 && only?.kind === "expr") {
    const result = evaluate(only.expr, context, meter);
    if (!result.ok) return { ok: false, error: { ...result.error, template } };
    return { ok: true, value: result.value, secrets: secretsIn(stringify(result.value), context) };
  }
  let out = "";
  for (const segment of parsed.segments) {
    if (segment.kind === "text") {
      out += segment.text;
      continue;
    }
    const result = evaluate(segment.expr, context, meter);
    if (!result.ok) return { ok: false, error: { ...result.error, template } };
    out += stringify(result.value);
  }
  return { ok: true, value: out, secrets: secretsIn(out, context) };
}

/** Renders every string inside a JSON-like value (params), keeping structure and collecting secrets. */
export function renderValue(value: unknown, context: ExpressionContext, meter?: ExpressionMeter): RenderResult {
  const secrets = new Set<string>();
  const walk = (v: unknown): { ok: true; value: Json } | { ok: false; error: ExpressionError & { template: string } } => {
    if (typeof v === "string") {
      const r = renderTemplate(v, context, meter);
      if (!r.ok) return r;
      for (const s of r.secrets) secrets.add(s);
      return { ok: true, value: r.value };
    }
    if (Array.isArray(v)) {
      const out: Json[] = [];
      for (const item of v) {
        const r = walk(item);
        if (!r.ok) return r;
        out.push(r.value);
      }
      return { ok: true, value: out };
    }
    if (v !== null && typeof v === "object") {
      const out: { [key: string]: Json } = {};
      for (const [k, item] of Object.entries(v)) {
        const r = walk(item);
        if (!r.ok) return r;
        out[k] = r.value;
      }
      return { ok: true, value: out };
    }
    if (typeof v === "number" || typeof v === "boolean" || v === null) return { ok: true, value: v };
    return { ok: true, value: null };
  };
  const result = walk(value);
  if (!result.ok) return result;
  return { ok: true, value: result.value, secrets: [...secrets] };
}
