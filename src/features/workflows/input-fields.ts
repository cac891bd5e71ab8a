/**
 * The Run dialog's form, derived purely from a workflow's `inputs` schema: which control each input
 * gets, its initial value (the default), and turning the filled-in form back into typed inputs with
 * one clear message per invalid field. The server checks the inputs again; this is for fast feedback.
 */
import { z } from "zod";

const ZScalar = z.union([z.string(), z.number(), z.boolean()]);
const ZSpec = z.object({
  type: z.enum(["string", "number", "boolean", "object", "array"]).default("string"),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  description: z.string().optional(),
  enum: z.array(ZScalar).optional(),
});
const ZInputs = z.record(z.string(), ZSpec);

export type InputControl = "text" | "number" | "checkbox" | "select" | "json";
export type InputField = {
  name: string;
  type: z.infer<typeof ZSpec>["type"];
  control: InputControl;
  required: boolean;
  description?: string;
  options?: (string | number | boolean)[];
  default?: unknown;
};
/** Form values: checkboxes hold a boolean, every other control the text the user typed. */
export type FormValues = Record<string, string | boolean>;

export function inputFields(definition: Record<string, unknown>): InputField[] {
  const parsed = ZInputs.safeParse(definition.inputs ?? {});
  if (!parsed.success) return [];
  return Object.entries(parsed.data).map(([name, spec]) => ({
    name,
    type: spec.type,
    control: spec.enum ? "select" : spec.type === "boolean" ? "checkbox" : spec.type === "number" ? "number" : spec.type === "string" ? "text" : "json",
    required: spec.required,
    description: spec.description,
    options: spec.enum,
    default: spec.default,
  }));
}

export function initialValues(fields: readonly InputField[]): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const d = f.default;
    if (f.control === "checkbox") out[f.name] = d === true;
    else if (d === undefined || d === null) out[f.name] = "";
    else if (f.control === "json") out[f.name] = JSON.stringify(d, null, 2);
    else out[f.name] = String(d);
  }
  return out;
}

export type ParsedInputs = { ok: true; inputs: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/** Typed inputs from the form, or a message per field. Empty optional fields are left out (the server applies defaults). */
export function parseInputs(fields: readonly InputField[], values: FormValues): ParsedInputs {
  const inputs: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name];
    if (f.control === "checkbox") {
      inputs[f.name] = raw === true;
      continue;
    }
    const text = typeof raw === "string" ? raw : "";
    if (text.trim() === "") {
      if (f.required) errors[f.name] = `${f.name} is required.`;
      continue;
    }
    switch (f.control) {
      case "select": {
        const option = f.options?.find((o) => String(o) === text);
        if (option === undefined) errors[f.name] = `${f.name} must be one of: ${(f.options ?? []).join(", ")}.`;
        else inputs[f.name] = option;
        break;
      }
      case "number": {
        const n = Number(text);
        if (!Number.isFinite(n)) errors[f.name] = `${f.name} must be a number.`;
        else inputs[f.name] = n;
        break;
      }
      case "json": {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          errors[f.name] = `${f.name} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
          break;
        }
        const isArray = Array.isArray(value);
        const isObject = typeof value === "object" && value !== null && !isArray;
        if (f.type === "array" && !isArray) errors[f.name] = `${f.name} must be a JSON array, like ["a", "b"].`;
        else if (f.type === "object" && !isObject) errors[f.name] = `${f.name} must be a JSON object, like {"key": "value"}.`;
        else inputs[f.name] = value;
        break;
      }
      case "text":
        inputs[f.name] = text;
        break;
    }
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, inputs };
}
