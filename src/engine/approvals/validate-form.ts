import type { z } from "zod";
import type { ZFormField } from "../definition/schema";
import type { Json, JsonObject } from "../json";

export type FormField = z.infer<typeof ZFormField>;

export type FormCheck =
  | { ok: true; values: JsonObject }
  /** `field` names the first bad field; `message` names it too, for people. */
  | { ok: false; field: string; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A field's default, when it has one that fits its type (a bad default is treated as none). */
function defaultOf(f: FormField): Json | undefined {
  if (f.default === undefined) return undefined;
  const r = coerce(f, f.default);
  return r.ok ? r.value : undefined;
}

/** The form's defaults: what auto mode (and an approve without values) records. */
export function formDefaults(form: readonly FormField[] | undefined): JsonObject {
  const out: JsonObject = {};
  for (const f of form ?? []) {
    const d = defaultOf(f);
    if (d !== undefined) out[f.name] = d;
  }
  return out;
}

function coerce(f: FormField, v: unknown): { ok: true; value: Json } | { ok: false; message: string } {
  const label = f.label ? `"${f.label}" (${f.name})` : `"${f.name}"`;
  switch (f.type) {
    case "string":
    case "text":
      if (typeof v !== "string") return { ok: false, message: `${label} must be text, got ${JSON.stringify(v)}` };
      if (f.type === "string" && v.includes("\n")) return { ok: false, message: `${label} must be a single line` };
      return { ok: true, value: v };
    case "number": {
      // Forms in a browser send numbers as strings: accept "12.5", refuse "12abc".
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isFinite(n)) return { ok: false, message: `${label} must be a number, got ${JSON.stringify(v)}` };
      return { ok: true, value: n };
    }
    case "boolean":
      if (typeof v !== "boolean") return { ok: false, message: `${label} must be true or false, got ${JSON.stringify(v)}` };
      return { ok: true, value: v };
    case "select":
      if (typeof v !== "string" || !(f.options ?? []).includes(v)) {
        return { ok: false, message: `${label} must be one of ${(f.options ?? []).map((o) => JSON.stringify(o)).join(", ")}, got ${JSON.stringify(v)}` };
      }
      return { ok: true, value: v };
  }
}

/**
 * Checks the values a decider sent against a gate's form: types (string, text, number, boolean,
 * select within its options), required fields, no unknown fields; missing fields take their
 * default. Empty strings count as missing. Returns the values to record (and, for a standalone
 * approval step, to publish as its output).
 */
export function validateForm(form: readonly FormField[], input: unknown): FormCheck {
  if (input !== undefined && input !== null && !isObject(input)) {
    return { ok: false, field: "", message: `The form's values must be an object of field: value, got ${JSON.stringify(input)}` };
  }
  const given = input ?? {};
  const names = new Set(form.map((f) => f.name));
  for (const key of Object.keys(given)) {
    if (!names.has(key)) return { ok: false, field: key, message: `The form has no field "${key}" (fields: ${[...names].join(", ") || "none"})` };
  }
  const values: JsonObject = {};
  for (const f of form) {
    const raw = given[f.name];
    if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) {
      const d = defaultOf(f);
      if (d !== undefined) values[f.name] = d;
      else if (f.required) return { ok: false, field: f.name, message: `${f.label ? `"${f.label}" (${f.name})` : `"${f.name}"`} is required` };
      continue;
    }
    const r = coerce(f, raw);
    if (!r.ok) return { ok: false, field: f.name, message: r.message };
    values[f.name] = r.value;
  }
  return { ok: true, values };
}
