import { isMap, isScalar, LineCounter, parseDocument, visit, type Alias, type Document, type Node as YamlNode } from "yaml";
import { duplicateKeys } from "./duplicate-keys";
import type { z } from "zod";
import type { Path } from "../graph/build-graph";
import { didYouMean, suggestion } from "./did-you-mean";
import { knownKeysAt } from "./known-keys";
import { STEP_TYPES, ZConditionalStep, ZForeachStep, ZParallelStep, ZWorkflow, type WorkflowDefinition } from "./schema";
import { validateRawSteps, validateWorkflow } from "./validate-workflow";
import { formatPath, type Locate, type WorkflowIssue, type WorkflowIssueCode } from "./workflow-issue";

/** Limits of the loader; every one is there to keep a hostile or accidental file from hurting the server. */
export interface LoadLimits {
  /** Largest accepted source, in UTF-8 bytes. @default 1_048_576 (1 MiB) */
  maxBytes: number;
  /** Most alias dereferences while building the document (defends against "billion laughs"). @default 100 */
  maxAliasCount: number;
  /** Most steps, nested ones included (fan 1 -> 10,000 -> 1 fits). @default 20_000 */
  maxSteps: number;
  /** Deepest nesting of control steps (parallel/conditional inside each other). @default 16 */
  maxNesting: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxBytes: 1_048_576, maxAliasCount: 100, maxSteps: 20_000, maxNesting: 16 };

export interface LoadOptions {
  /** Shown in errors as `file:line:col`. */
  file?: string;
  limits?: Partial<LoadLimits>;
}

export type LoadResult =
  | { ok: true; definition: WorkflowDefinition; errors: [] }
  | { ok: false; definition?: undefined; errors: WorkflowIssue[] };

function countSteps(value: unknown, depth: number, acc: { steps: number; depth: number }): void {
  if (!Array.isArray(value)) return;
  acc.depth = Math.max(acc.depth, depth);
  for (const step of value) {
    if (step === null || typeof step !== "object") continue;
    acc.steps++;
    const s = step as Record<string, unknown>;
    for (const key of ["steps", "then", "else"]) countSteps(s[key], depth + 1, acc);
  }
}

type SchemaMessage = { code: WorkflowIssueCode; message: string; path: PropertyKey[]; key?: string };

/** Every key any step variant accepts: a near-miss of `type` must not be one of them. */
const ALL_STEP_KEYS = new Set<string>([
  ...Object.keys(ZParallelStep.shape),
  ...Object.keys(ZConditionalStep.shape),
  ...Object.keys(ZForeachStep.shape),
  "params",
]);

/** A short example per required field, for "add ..." hints. */
const FIELD_EXAMPLES: Record<string, string> = {
  name: "name: my-workflow",
  steps: "steps: with at least one step",
  id: "id: build",
  type: `type: one of ${STEP_TYPES.join(", ")}`,
  max: "max: 3",
  items: "items: inputs.services (a CEL list)",
  step: "step: { type: shell, params: { command: ... } }",
  then: "then: a list of steps",
  url: "url: https://...",
  prompt: "prompt: ...",
  model: "model: ...",
  agent: "agent: ...",
  workflow: "workflow: <workflow name>",
  after: "after: 1h",
  roles: "roles: [admin]",
};

function exampleFor(field: string, data: unknown, path: readonly PropertyKey[]): string {
  if (field === "params") {
    const type = readAt(data, [...path.slice(0, -1), "type"]);
    const byType: Record<string, string> = {
      shell: "params: { command: make test }",
      http: "params: { url: https://example.com }",
      agent: "params: { agent: ..., prompt: ... }",
      llm: "params: { model: ..., prompt: ... }",
      git: "params: { operation: clone }",
      wait: "params: { duration: 10m }",
      subworkflow: "params: { workflow: <name> }",
    };
    return typeof type === "string" && byType[type] ? byType[type] : "params: { ... }";
  }
  return FIELD_EXAMPLES[field] ?? `${field}: ...`;
}

const NOUNS: Record<string, string> = { object: "mapping", record: "mapping", array: "list" };
const noun = (expected: string): string => NOUNS[expected] ?? expected;

function typeHint(expected: string, got: unknown, raw: string | undefined): string {
  if (raw?.trimStart().startsWith("{{")) return `quote the template, e.g. "${raw.trim()}"`;
  switch (expected) {
    case "array":
      return `write a list, e.g. [${typeof got === "string" || typeof got === "number" ? String(got) : "..."}]`;
    case "string":
      return typeof got === "number" || typeof got === "boolean" ? `quote it, e.g. "${String(got)}"` : "write a string";
    case "number":
    case "int":
      return "write a number without quotes";
    case "boolean":
      return "write true or false";
    case "object":
    case "record":
      return "write a mapping (key: value)";
    default:
      return `change it to a ${noun(expected)}`;
  }
}

function schemaMessage(issue: z.core.$ZodIssue, data: unknown, rawAt: (path: PropertyKey[]) => string | undefined): SchemaMessage[] {
  const path = [...issue.path];
  const field = String(path[path.length - 1] ?? "");
  const got = readAt(data, path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(ZWorkflow, data, path);
      return issue.keys.map((key) => {
        const hit = didYouMean(key, known);
        return {
          code: "unknown_field" as const,
          key,
          path: [...path, key],
          message: hit
            ? `unknown field "${key}" (did you mean "${hit}"?): rename it to "${hit}"`
            : `unknown field "${key}": remove it${known.length ? `; allowed here: ${known.join(", ")}` : ""}`,
        };
      });
    }
    case "invalid_union": {
      const disc = (issue as { discriminator?: string }).discriminator;
      if (disc === "type") {
        const name = typeof got === "string" ? got : JSON.stringify(got ?? null);
        return [{
          code: got === undefined ? "missing_field" : "unknown_step_type",
          path,
          message: got === undefined
            ? `missing field "type": add type: one of ${STEP_TYPES.join(", ")}`
            : `unknown step type "${name}"${suggestion(name, STEP_TYPES)}: set it to one of ${STEP_TYPES.join(", ")}`,
        }];
      }
      const alternatives = new Set<string>();
      for (const branch of (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? []) {
        const first = branch[0];
        if (first?.code === "invalid_type") alternatives.add(noun(first.expected));
        else if (first?.code === "too_big" || first?.code === "too_small") alternatives.add(`${first.origin} in range`);
      }
      const alts = [...alternatives].join(" or ") || "another value";
      return [{ code: "invalid_type", path, message: `expected ${alts}, got ${describe(got)}: change it to a ${alts}` }];
    }
    case "invalid_type": {
      if (got === undefined) {
        return [{ code: "missing_field", path, message: `missing required field "${field}": add ${exampleFor(field, data, path)}` }];
      }
      return [{ code: "invalid_type", path, message: `expected ${noun(issue.expected)}, got ${describe(got)}: ${typeHint(issue.expected, got, rawAt(path))}` }];
    }
    case "invalid_value": {
      const options = issue.values.map((v) => String(v));
      if (got === undefined) return [{ code: "missing_field", path, message: `missing required field "${field}": add ${field}: one of ${options.join(", ")}` }];
      return [{
        code: "invalid_value",
        path,
        message: `invalid value ${JSON.stringify(got)}${typeof got === "string" ? suggestion(got, options) : ""}: set it to one of ${options.join(", ")}`,
      }];
    }
    case "invalid_format": {
      const what = issue.message.startsWith("write a duration") ? "duration" : "value";
      const fix = issue.message.startsWith("Invalid") ? `change it to match ${issue.format === "regex" ? (issue as { pattern?: string }).pattern ?? "the format" : issue.format}` : issue.message;
      return [{ code: "invalid_value", path, message: `invalid ${what} ${JSON.stringify(got)}: ${fix}` }];
    }
    case "invalid_key": {
      const key = String(path[path.length - 1] ?? "");
      return [{ code: "invalid_value", path, message: `invalid name "${key}": rename it with letters, digits and _ only, not starting with a digit` }];
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
      const inclusive = issue.inclusive !== false;
      if (!issue.message.startsWith("Too ")) return [{ code: "invalid_value", path, message: issue.message }];
      let message: string;
      if (issue.origin === "array") {
        message = small ? `"${field}" has too few items: add at least ${limit}` : `"${field}" has too many items: keep at most ${limit}`;
      } else if (issue.origin === "string") {
        message = small
          ? (limit <= 1 ? `"${field}" is empty: set a value` : `"${field}" is too short: use at least ${limit} characters`)
          : `"${field}" is longer than ${limit} characters: shorten it`;
      } else {
        message = `${describe(got)} is too ${small ? "small" : "large"}: use a value ${small ? (inclusive ? ">=" : ">") : (inclusive ? "<=" : "<")} ${limit}`;
      }
      return [{ code: "invalid_value", path, message }];
    }
    case "not_multiple_of":
      return [{ code: "invalid_value", path, message: `${describe(got)} is not a multiple of ${String(issue.divisor)}: use a whole number` }];
    case "custom":
      return [customMessage(issue.message, path, data)];
    default:
      return [{ code: "invalid_value", path, message: `${issue.message}: fix this value` }];
  }
}

/** The refinements of the schema (exactly one of two params), phrased as what to add or remove. */
function customMessage(message: string, path: PropertyKey[], data: unknown): SchemaMessage {
  const params = readAt(data, path);
  const has = (k: string): boolean => params !== null && typeof params === "object" && (params as Record<string, unknown>)[k] !== undefined;
  const pair = has("command") || has("argv") || message.includes("shell") ? (["command", "argv"] as const) : (["duration", "until"] as const);
  const [a, b] = pair;
  if (has(a) && has(b)) {
    return { code: "invalid_value", path: [...path, b], message: `both params.${a} and params.${b} are set: remove one of them` };
  }
  const hint = a === "command" ? "params.command (a string run by /bin/sh -c) or params.argv (a list)" : "params.duration (e.g. 10m) or params.until (an ISO-8601 timestamp)";
  return { code: "missing_field", path, message: message.startsWith("a ") ? `${message.split(" needs ")[0] ?? "this step"} needs one of them: add ${hint}` : `${message}: add ${hint}` };
}

/**
 * A repair the loader makes so the rest of a step can still be validated: a near-miss key of a
 * required field is renamed (`typ` -> `type`), or a near-miss step type is replaced (`shel` ->
 * `shell`). Each repair is reported once, at the typo.
 */
interface Rename { at: PropertyKey[]; from: string; to: string; kind: "key" | "type" }

/** `[a, b]` when the refinement at a params mapping wants exactly one of them. */
const EXCLUSIVE_PARAMS: (readonly [string, string])[] = [["command", "argv"], ["duration", "until"]];

function findRenames(issues: readonly z.core.$ZodIssue[], data: unknown): Rename[] {
  const out: Rename[] = [];
  const add = (r: Rename): void => {
    if (!out.some((o) => o.from === r.from && samePath(o.at, r.at))) out.push(r);
  };
  for (const issue of issues) {
    const disc = issue.code === "invalid_union" ? (issue as { discriminator?: string }).discriminator : undefined;
    const value = readAt(data, issue.path);
    let fields: string[] = [];
    let at: PropertyKey[] = issue.path.slice(0, -1);
    if (disc === "type" && typeof value === "string") {
      const hit = didYouMean(value, STEP_TYPES);
      if (hit) add({ at, from: value, to: hit, kind: "type" });
      continue;
    }
    if (issue.code === "custom" && value !== null && typeof value === "object") {
      const pair = EXCLUSIVE_PARAMS.find(([a, b]) => issue.message.includes(`params.${a}`) && issue.message.includes(`params.${b}`));
      if (!pair || pair.some((k) => (value as Record<string, unknown>)[k] !== undefined)) continue;
      fields = [...pair];
      at = [...issue.path];
    } else if (value === undefined && issue.path.length > 0 && (disc !== undefined || issue.code === "invalid_type" || issue.code === "invalid_value")) {
      fields = [String(issue.path[issue.path.length - 1])];
    } else continue;
    const parent = readAt(data, at);
    if (parent === null || typeof parent !== "object" || Array.isArray(parent)) continue;
    const known = new Set(disc === "type" ? ALL_STEP_KEYS : knownKeysAt(ZWorkflow, data, at));
    for (const key of Object.keys(parent)) {
      if (known.has(key)) continue;
      const hit = didYouMean(key, fields);
      if (hit !== undefined && hit !== key) {
        add({ at, from: key, to: hit, kind: "key" });
        break;
      }
    }
  }
  return out;
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

/** Copy of `data` with the key `from` renamed to `to` in the mapping at `at` (copy on the path only). */
function renameKey(data: unknown, at: readonly PropertyKey[], from: string, to: string): unknown {
  if (data === null || typeof data !== "object") return data;
  if (at.length === 0) {
    const { [from]: value, ...rest } = data as Record<string, unknown>;
    return { ...rest, [to]: value };
  }
  const [head, ...tail] = at;
  const copy: Record<PropertyKey, unknown> | unknown[] = Array.isArray(data) ? [...(data as unknown[])] : { ...(data as Record<PropertyKey, unknown>) };
  (copy as Record<PropertyKey, unknown>)[head as PropertyKey] = renameKey((data as Record<PropertyKey, unknown>)[head as PropertyKey], tail, from, to);
  return copy;
}

function setType(data: unknown, at: readonly PropertyKey[], type: string): unknown {
  if (data === null || typeof data !== "object") return data;
  const copy: Record<PropertyKey, unknown> = Array.isArray(data) ? [...(data as unknown[])] as unknown as Record<PropertyKey, unknown> : { ...(data as Record<PropertyKey, unknown>) };
  if (at.length === 0) copy["type"] = type;
  else {
    const [head, ...tail] = at;
    copy[head as PropertyKey] = setType((data as Record<PropertyKey, unknown>)[head as PropertyKey], tail, type);
  }
  return copy;
}

/** Maps a path of the corrected data back to the keys written in the file. */
function originalPath(path: readonly PropertyKey[], renames: readonly Rename[]): PropertyKey[] {
  const out = [...path];
  for (const r of renames) {
    if (r.kind !== "key") continue;
    if (out.length > r.at.length && out[r.at.length] === r.to && samePath(out.slice(0, r.at.length), r.at)) out[r.at.length] = r.from;
  }
  return out;
}

/**
 * Schema validation that reads through near-miss typos of required fields: `typ: shell` is reported
 * once, as `unknown field "typ" (did you mean "type"?)` at the typo, and the rest of the step is
 * validated as if it were spelled right (so its other errors show up in the same pass).
 */
function validateSchema(data: unknown): { success: true; data: WorkflowDefinition } | { success: false; issues: z.core.$ZodIssue[]; data: unknown; renames: Rename[] } {
  let current = data;
  const renames: Rename[] = [];
  for (let round = 0; round < 8; round++) {
    const parsed = ZWorkflow.safeParse(current);
    if (parsed.success && renames.length === 0) return { success: true, data: parsed.data };
    const issues = parsed.success ? [] : parsed.error.issues;
    const found = findRenames(issues, current);
    if (found.length === 0 || round === 7) return { success: false, issues, data: current, renames };
    for (const r of found) {
      current = r.kind === "key" ? renameKey(current, r.at, r.from, r.to) : setType(current, r.at, r.to);
      renames.push(r);
    }
  }
  return { success: false, issues: [], data: current, renames };
}

function renameMessage(r: Rename): string {
  if (r.kind === "type") return `unknown step type "${r.from}" (did you mean "${r.to}"?): set it to one of ${STEP_TYPES.join(", ")}`;
  const base = `unknown field "${r.from}" (did you mean "${r.to}"?): rename it to "${r.to}"`;
  if (r.to === "type") return `${base}, one of ${STEP_TYPES.join(", ")}`;
  return r.at[r.at.length - 1] === "params" ? base : `${base}, a required field`;
}


function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function readAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function makeLocate(doc: Document, source: string, lines: LineCounter): Locate {
  const pos = (offset: number): { line: number; col: number } => lines.linePos(offset);
  return (path, opts) => {
    // Walk down as far as the document goes: a missing field is reported at its parent mapping.
    let node: unknown = doc.contents;
    let last: YamlNode | undefined = doc.contents ?? undefined;
    for (const part of path) {
      if (!node || typeof node !== "object" || !("get" in node)) break;
      const next = (node as { get: (k: unknown, keep: true) => unknown }).get(part, true);
      if (next === undefined) break;
      node = next;
      if (node && typeof node === "object" && "range" in node) last = node as YamlNode;
    }
    if (opts?.key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === opts.key);
      if (pair && isScalar(pair.key) && pair.key.range) return pos(pair.key.range[0]);
    }
    const range = last?.range;
    if (!range) return { line: 1, col: 1 };
    if (opts?.within && isScalar(last)) {
      const raw = source.slice(range[0], range[1]);
      const at = raw.indexOf(opts.within.text);
      if (at >= 0) return pos(range[0] + at + opts.within.offset);
    }
    return pos(range[0]);
  };
}

/**
 * Loads a workflow from YAML: syntax, limits, schema and semantic validation, every error of the
 * file at once, each with `file:line:col` and a path. Never throws: anything unexpected becomes an
 * `internal` issue.
 */
export function loadWorkflow(source: string, options: LoadOptions = {}): LoadResult {
  const file = options.file;
  const fileField = file !== undefined ? { file } : {};
  try {
    return loadUnsafe(source, options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ ...fileField, line: 1, col: 1, path: "", code: "internal", message: `could not load the workflow: ${message}; this is a bug in the loader, please report it with the file` }] };
  }
}

const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: "indent with spaces, not tabs",
  BAD_INDENT: "align the keys of a mapping (and items of a list) at the same column, and close every [ and {",
  MISSING_CHAR: "add the missing closing character",
  BLOCK_AS_IMPLICIT_KEY: "put a nested mapping on its own lines, indented under its key, or quote a value containing ': '",
  MULTILINE_IMPLICIT_KEY: "keep each key on one line; quote values that contain ': '",
  UNEXPECTED_TOKEN: "fix the indentation or remove the stray character",
  BAD_DQ_ESCAPE: "escape the backslash (\\\\) or use single quotes",
  BAD_SCALAR_START: "quote the value",
  MULTIPLE_DOCS: "keep one workflow per file: remove the second '---' document",
  ALIAS_PROPS: "remove the anchor or tag from the alias",
  DUPLICATE_KEY: "each key may appear once in a mapping; merge or remove the repeated key",
};

function loadUnsafe(source: string, options: LoadOptions): LoadResult {
  const limits = { ...DEFAULT_LOAD_LIMITS, ...options.limits };
  const file = options.file;
  const fileField = file !== undefined ? { file } : {};
  const fail = (errors: WorkflowIssue[]): LoadResult => ({ ok: false, errors });
  const issue = (code: WorkflowIssueCode, line: number, col: number, path: string, message: string): WorkflowIssue => ({
    ...fileField, line, col, path, message, code,
  });

  const bytes = new TextEncoder().encode(source).length;
  if (bytes > limits.maxBytes) {
    return fail([issue("file_too_large", 1, 1, "", `file is ${bytes} bytes, over the limit of ${limits.maxBytes}: split it into sub-workflows or raise limits.maxBytes`)]);
  }

  const lines = new LineCounter();
  // logLevel "error": the yaml library would otherwise print warnings through process.emitWarning.
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: "error" });
  if (doc.errors.length > 0) {
    const duplicates = doc.errors.some((e) => e.code === "DUPLICATE_KEY") ? duplicateKeys(source, lines) : [];
    return fail(
      doc.errors.map((e) => {
        const at = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        const duplicate = e.code === "DUPLICATE_KEY";
        const first = e.message.split("\n")[0] ?? e.message;
        const hint = YAML_HINTS[e.code] ?? "fix the YAML syntax here (indentation, quotes, brackets)";
        if (duplicate) {
          const d = duplicates.find((k) => k.line === at.line && k.col === at.col) ?? duplicates.find((k) => k.line === at.line);
          const what = d ? `duplicate key "${d.key}" (first at ${d.first.line}:${d.first.col})` : first;
          return issue("duplicate_key", Math.max(1, at.line), Math.max(1, at.col), "", `${what}: ${hint}`);
        }
        return issue("yaml_syntax", Math.max(1, at.line), Math.max(1, at.col), "", `YAML syntax error: ${first}: ${hint}`);
      }),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const alias = firstAlias(doc);
    const at = alias?.range ? lines.linePos(alias.range[0]) : { line: 1, col: 1 };
    if (message.startsWith("Unresolved alias")) {
      return fail([issue("yaml_syntax", at.line, at.col, "", `${message}: define the anchor (&${alias?.source ?? "name"}) before this alias, or write the value out`)]);
    }
    return fail([issue("alias_limit", at.line, at.col, "", `${message}: the file expands too many aliases (limit ${limits.maxAliasCount}); write the values out or reduce anchors`)]);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return fail([issue("not_a_mapping", 1, 1, "", `a workflow file must be a YAML mapping, got ${describe(data)}: write top-level keys, at least "name:" and "steps:"`)]);
  }

  const baseLocate = makeLocate(doc, source, lines);
  const count = { steps: 0, depth: 0 };
  countSteps((data as Record<string, unknown>)["steps"], 1, count);
  const limitErrors: WorkflowIssue[] = [];
  const stepsAt = baseLocate(["steps"]);
  if (count.steps > limits.maxSteps) {
    limitErrors.push(issue("too_many_steps", stepsAt.line, stepsAt.col, "steps", `the workflow has ${count.steps} steps, over the limit of ${limits.maxSteps}: split it into sub-workflows or raise limits.maxSteps`));
  }
  if (count.depth > limits.maxNesting) {
    limitErrors.push(issue("too_deep", stepsAt.line, stepsAt.col, "steps", `control steps are nested ${count.depth} levels deep, over the limit of ${limits.maxNesting}: flatten them with needs`));
  }
  if (limitErrors.length > 0) return fail(limitErrors);

  const parsed = validateSchema(data);
  if (parsed.success) {
    const semantic = validateWorkflow(parsed.data, baseLocate, file);
    if (semantic.length > 0) return fail(semantic.sort(byPosition));
    return { ok: true, definition: parsed.data, errors: [] };
  }

  // Schema errors, then the graph checks on whatever of the raw structure can be read.
  const { renames } = parsed;
  const toFile = (path: readonly PropertyKey[]): Path => originalPath(path, renames).filter((p): p is string | number => typeof p !== "symbol");
  const locate: Locate = (path, opts) => baseLocate(toFile(path), opts);
  const rawAt = (path: PropertyKey[]): string | undefined => {
    const node = doc.getIn(toFile(path), true);
    const range = node && typeof node === "object" && "range" in node ? (node as YamlNode).range : undefined;
    return range ? source.slice(range[0], range[1]) : undefined;
  };
  const errors: WorkflowIssue[] = [];
  for (const r of renames) {
    if (r.kind === "type") {
      const typePath = toFile([...r.at, "type"]);
      const at = baseLocate(typePath);
      errors.push(issue("unknown_step_type", at.line, at.col, formatPath(typePath), renameMessage(r)));
    } else {
      const at = baseLocate(toFile(r.at), { key: r.from });
      errors.push(issue("unknown_field", at.line, at.col, formatPath([...toFile(r.at), r.from]), renameMessage(r)));
    }
  }
  for (const zi of parsed.issues) {
    for (const m of schemaMessage(zi, parsed.data, rawAt)) {
      const path = toFile(m.path);
      const at = m.key !== undefined ? baseLocate(path.slice(0, -1), { key: m.key }) : baseLocate(path);
      errors.push(issue(m.code, at.line, at.col, formatPath(path), m.message));
    }
  }
  const reported = new Set(errors.map((e) => e.path));
  for (const e of validateRawSteps(parsed.data, locate, file)) {
    const path = e.path;
    if (reported.has(path)) continue; // one error per place: the schema's wins
    errors.push(e);
  }
  return fail(errors.sort(byPosition));
}

const byPosition = (a: WorkflowIssue, b: WorkflowIssue): number => a.line - b.line || a.col - b.col;

function firstAlias(doc: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

