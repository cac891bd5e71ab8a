import { z } from "zod";
import { paramsSchema } from "../definition/params-schema";
import { STEP_ID_PATTERN } from "../definition/schema";

/**
 * `approval.editable`: the only values an approver may change at a gate. An entry is a path:
 * - `<gated>.output` or `<gated>.output.<key>...`: the held step's output (modify's payload);
 * - `<gated>.params.<name>...`: the held step's params for its next attempt (retry's params);
 * - `<next>.params.<name>...`: params of a step that needs the gated step directly (modify's nextParams).
 * A path covers everything below it. Nothing is editable unless listed. A shell step's `command`
 * and `argv` can never be listed: approvers decide, authors write code (an editable command is
 * an approver running what they like); let the command read a listed variable
 * (`deploy.params.env.REPLICAS`) or a form field instead, which reach the shell as data.
 */
export type EditablePath = { step: string; kind: "params" | "output"; keys: string[] };

/** A step as the editable check sees it (from the definition). */
export type EditableStep = { id: string; type: string; needs: readonly string[] };

const KEY = /^[^.\s]+$/;

export function parseEditablePath(text: string): EditablePath | { error: string } {
  const parts = text.split(".");
  const [step, kind, ...keys] = parts;
  if (!step || !STEP_ID_PATTERN.test(step) || (kind !== "params" && kind !== "output") || keys.some((k) => !KEY.test(k))) {
    return { error: `"${text}" is not an editable path: write <step>.params.<name> or <step>.output[.<key>], e.g. deploy.params.env.REPLICAS or review.output` };
  }
  return { step, kind, keys };
}

/** Shell params that are code, never editable by an approver. */
const SHELL_CODE = new Set(["command", "argv"]);
/** Environment variables the shell, the dynamic loader or runtimes read as code or paths to code, and the engine's own. */
const CODE_VARIABLES = /^(PATH|IFS|ENV|BASH_ENV|SHELLOPTS|BASHOPTS|PS4|CDPATH|NODE_OPTIONS|PYTHONSTARTUP|PYTHONPATH|PERL5OPT|PERL5LIB|RUBYOPT|LD_.*|DYLD_.*|WF_.*)$/;

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let guard = 0; guard < 20; guard++) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else return cur;
  }
  return cur;
}

/** Whether `keys` name something inside a params schema; the message names what exists otherwise. */
function checkKeys(schema: z.ZodType, keys: readonly string[], what: string): string | undefined {
  let cur = unwrap(schema);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const at = [what, ...keys.slice(0, i + 1)].join(".");
    if (cur instanceof z.ZodObject) {
      const shape = cur.shape as Record<string, z.ZodType>;
      if (!Object.hasOwn(shape, key)) return `there is no "${key}" at ${at.replace(/\.[^.]+$/, "")} (${Object.keys(shape).join(", ") || "no fields"})`;
      cur = unwrap(shape[key] as z.ZodType);
    } else if (cur instanceof z.ZodRecord) cur = unwrap(cur.valueType as z.ZodType);
    else if (cur instanceof z.ZodUnknown || cur instanceof z.ZodAny) return undefined;
    else return `${at.replace(/\.[^.]+$/, "")} is a single value: list it without ".${keys.slice(i).join(".")}"`;
  }
  return undefined;
}

/**
 * Load-time check of a gate's `editable` entries against the workflow's steps; one message per
 * bad entry (index into the list). `gated` is the step carrying the gate.
 */
export function checkEditable(gated: EditableStep, entries: readonly string[], steps: ReadonlyMap<string, EditableStep>): { index: number; message: string }[] {
  const out: { index: number; message: string }[] = [];
  entries.forEach((text, index) => {
    const msg = checkEntry(gated, text, steps);
    if (msg) out.push({ index, message: msg });
  });
  return out;
}

function checkEntry(gated: EditableStep, text: string, steps: ReadonlyMap<string, EditableStep>): string | undefined {
  const p = parseEditablePath(text);
  if ("error" in p) return p.error;
  const step = steps.get(p.step);
  if (!step) return `editable "${text}": there is no step "${p.step}" (steps: ${[...steps.keys()].join(", ")})`;
  if (p.kind === "output") {
    if (step.id !== gated.id) return `editable "${text}": only the gated step's own output can be edited here: write ${gated.id}.output`;
    if (gated.type === "approval") return `editable "${text}": a human stage's output is its form's values: add a form field instead`;
    return undefined;
  }
  const schema = paramsSchema(step.type);
  if (step.id === gated.id) {
    if (!schema || step.type === "approval") return `editable "${text}": ${step.id} is a ${step.type} step: a retry of it takes no params`;
  } else {
    if (!step.needs.includes(gated.id)) return `editable "${text}": "${step.id}" does not run right after "${gated.id}" (it must list ${gated.id} in its needs): a gate may only change the params of the steps that need it`;
    if (!schema || step.type === "approval") return `editable "${text}": ${step.id} is a ${step.type} step: it has no params to edit`;
  }
  if (p.keys.length === 0) return `editable "${text}": name the param, e.g. ${step.id}.params.<name>: a gate never hands over a step's whole params`;
  const bad = checkKeys(schema, p.keys, `${step.id}.params`);
  if (bad) return `editable "${text}": ${bad}`;
  if (step.type === "shell") {
    const [first, second] = p.keys;
    if (first !== undefined && SHELL_CODE.has(first)) {
      return `editable "${text}": a shell step's ${first} is code, and approvers do not write code: let the command read a variable (${step.id}.params.env.NAME) or a form field instead`;
    }
    if (first === "env" && second === undefined) return `editable "${text}": name each variable an approver may set, e.g. ${step.id}.params.env.REPLICAS`;
    if (first === "env" && second !== undefined && CODE_VARIABLES.test(second)) return `editable "${text}": ${second} is read by the shell, the loader or the engine as code or a path to code: use another variable name`;
  }
  return undefined;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return false;
}

/**
 * The paths (key lists) where `after` differs from `before`: objects are compared key by key (a
 * missing object counts as an empty one), anything else (lists included) as one value.
 */
export function changedPaths(before: unknown, after: unknown, base: readonly string[] = []): string[][] {
  const b = before === undefined && isPlain(after) ? {} : before;
  const a = after === undefined && isPlain(before) ? {} : after;
  if (isPlain(b) && isPlain(a)) {
    const out: string[][] = [];
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) out.push(...changedPaths(b[k], a[k], [...base, k]));
    return out;
  }
  return same(b, a) ? [] : [[...base]];
}

/** The first changed path (`base` + keys, dotted) that no editable entry covers, or undefined. */
export function firstNotEditable(editable: readonly string[], base: readonly string[], changed: readonly (readonly string[])[]): string | undefined {
  const allowed = editable.map((e) => e.split("."));
  for (const c of changed) {
    const full = [...base, ...c];
    if (!allowed.some((e) => e.length <= full.length && e.every((seg, i) => seg === full[i]))) return full.join(".");
  }
  return undefined;
}

/** The first changed path whose new value holds a `{{`: a value set at a gate is data, never a template. */
export function firstTemplate(after: unknown, base: readonly string[], changed: readonly (readonly string[])[]): string | undefined {
  const hasTemplate = (v: unknown): boolean => (typeof v === "string" ? v.includes("{{") : Array.isArray(v) ? v.some(hasTemplate) : isPlain(v) ? Object.values(v).some(hasTemplate) : false);
  for (const c of changed) {
    let v: unknown = after;
    for (const k of c) v = isPlain(v) ? v[k] : undefined;
    if (hasTemplate(v)) return [...base, ...c].join(".");
  }
  return undefined;
}
