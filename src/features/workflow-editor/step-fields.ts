/**
 * The inspector's fields for a step type, read from the format's zod schema (the single source of
 * truth): every key of the step's object schema, `params` expanded one level. Each field gets a
 * control from its schema type; what has no simple control (mappings, unions, lists of objects)
 * is edited as one-line YAML. Pure.
 */
import { z } from "zod";
import { STEP_TYPES, ZConditionalStep, ZForeachStep, ZLeafStep, ZParallelStep } from "~/engine/definition/schema";

export type FieldControl =
  | { kind: "text"; multiline: boolean }
  | { kind: "number"; integer: boolean }
  | { kind: "boolean" }
  | { kind: "select"; options: string[] }
  | { kind: "list" }
  | { kind: "yaml" };

export interface StepField {
  /** Path inside the step, e.g. ["params", "command"]. */
  path: string[];
  /** Also the accessible name of the control. */
  label: string;
  required: boolean;
  description?: string;
  control: FieldControl;
}

/** Lists edited elsewhere: children of containers are nodes on the canvas, needs are edges. */
const NOT_FIELDS = new Set(["steps", "then", "else", "needs"]);
/** Multi-line text areas for fields that usually hold scripts or prompts. */
const MULTILINE = new Set(["command", "prompt", "system", "message", "description"]);

function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; description?: string } {
  let s = schema;
  let optional = false;
  let description = schema.description;
  for (let guard = 0; guard < 10; guard++) {
    if (s instanceof z.ZodOptional) {
      optional = true;
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodDefault) {
      optional = true;
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodNullable) {
      s = s.unwrap() as z.ZodType;
    } else break;
    description ??= s.description;
  }
  return { inner: s, optional, ...(description !== undefined ? { description } : {}) };
}

function controlOf(key: string, schema: z.ZodType): FieldControl {
  if (schema instanceof z.ZodString) return { kind: "text", multiline: MULTILINE.has(key) };
  if (schema instanceof z.ZodNumber) return { kind: "number", integer: schema.format === "safeint" || Boolean(schema.isInt) };
  if (schema instanceof z.ZodBoolean) return { kind: "boolean" };
  if (schema instanceof z.ZodEnum) return { kind: "select", options: schema.options.map(String) };
  if (schema instanceof z.ZodArray && unwrap(schema.element as z.ZodType).inner instanceof z.ZodString) return { kind: "list" };
  return { kind: "yaml" };
}

function objectSchemaFor(type: string): z.ZodObject | undefined {
  if (type === "parallel") return ZParallelStep;
  if (type === "conditional") return ZConditionalStep;
  if (type === "foreach") return ZForeachStep;
  return ZLeafStep.options.find((o) => o.shape.type.value === type) as z.ZodObject | undefined;
}

const cache = new Map<string, StepField[]>();

/** The fields of a step of `type`, in schema order (`id`, `type` first). */
export function stepFields(type: string): StepField[] {
  const hit = cache.get(type);
  if (hit) return hit;
  const schema = objectSchemaFor(type);
  const out: StepField[] = [
    { path: ["id"], label: "Step id", required: true, control: { kind: "text", multiline: false } },
    { path: ["type"], label: "type", required: true, control: { kind: "select", options: [...STEP_TYPES] } },
  ];
  if (!schema) return out;
  for (const [key, value] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    if (key === "id" || key === "type" || NOT_FIELDS.has(key)) continue;
    const { inner, optional, description } = unwrap(value);
    if (key === "params" && inner instanceof z.ZodObject) {
      for (const [pk, pv] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
        const p = unwrap(pv);
        out.push({ path: ["params", pk], label: pk, required: !p.optional, control: controlOf(pk, p.inner), ...(p.description ? { description: p.description } : {}) });
      }
      continue;
    }
    out.push({ path: [key], label: key, required: !optional, control: controlOf(key, inner), ...(description ? { description } : {}) });
  }
  cache.set(type, out);
  return out;
}

/** A step's default body when added from the palette: the least that validates. */
export function newStepBody(type: string, id: string, childId: (base: string) => string): Record<string, unknown> & { id: string; type: string } {
  switch (type) {
    case "shell":
      return { id, type, params: { command: `echo ${id}` } };
    case "http":
      return { id, type, params: { url: "https://example.com" } };
    case "agent":
      return { id, type, params: { agent: "assistant", prompt: "Describe the task" } };
    case "llm":
      return { id, type, params: { model: "default", prompt: "Summarise the input" } };
    case "git":
      return { id, type, params: { operation: "clone" } };
    case "wait":
      return { id, type, params: { duration: "1m" } };
    case "subworkflow":
      return { id, type, params: { workflow: "hello" } };
    case "parallel":
      return { id, type, steps: [{ id: childId(`${id}_a`), type: "noop" }] };
    case "conditional":
      return { id, type, if: "true", then: [{ id: childId(`${id}_then`), type: "noop" }] };
    case "foreach":
      return { id, type, items: "[1, 2, 3]", step: { type: "noop" } };
    default:
      return { id, type };
  }
}
