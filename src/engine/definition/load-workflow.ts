import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from "yaml";
import type { z } from "zod";
import type { Path } from "../graph/build-graph";
import { suggestion } from "./did-you-mean";
import { knownKeysAt } from "./known-keys";
import { STEP_TYPES, ZWorkflow, type WorkflowDefinition } from "./schema";
import { validateRawSteps, validateWorkflow } from "./validate-workflow";
import { formatPath, type Locate, type WorkflowIssue, type WorkflowIssueCode } from "./workflow-issue";

/** Limits of the loader; every one is there to keep a hostile or accidental file from hurting the server. */
export interface LoadLimits {
  /** Largest accepted source, in UTF-8 bytes. @default 1_048_576 (1 MiB) */
  maxBytes: number;
  /** Most alias dereferences while building the document (defends against "billion laughs"). @default 100 */
  maxAliasCount: number;
  /** Most steps, nested ones included. @default 10_000 */
  maxSteps: number;
  /** Deepest nesting of control steps (parallel/conditional inside each other). @default 16 */
  maxNesting: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxBytes: 1_048_576, maxAliasCount: 100, maxSteps: 10_000, maxNesting: 16 };

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

function schemaMessage(issue: z.core.$ZodIssue, data: unknown): { code: WorkflowIssueCode; message: string; path: PropertyKey[]; key?: string }[] {
  const path = [...issue.path];
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(ZWorkflow, data, path);
      return issue.keys.map((key) => ({
        code: "unknown_field" as const,
        key,
        path: [...path, key],
        message: `unknown field "${key}"${suggestion(key, known)}${known.length ? `; allowed here: ${known.join(", ")}` : ""}`,
      }));
    }
    case "invalid_union": {
      const disc = (issue as { discriminator?: string }).discriminator;
      if (disc !== undefined) {
        const got = path.length ? readAt(data, path) : undefined;
        if (disc === "type") {
          const name = typeof got === "string" ? got : JSON.stringify(got ?? null);
          return [{
            code: got === undefined ? "missing_field" : "unknown_step_type",
            path,
            message: got === undefined
              ? `missing field "type": set it to one of ${STEP_TYPES.join(", ")}`
              : `unknown step type "${name}"${suggestion(name, STEP_TYPES)}; use one of ${STEP_TYPES.join(", ")}`,
          }];
        }
      }
      return [{ code: "invalid_value", path, message: issue.message }];
    }
    case "invalid_type": {
      const got = readAt(data, path);
      if (got === undefined) {
        const field = String(path[path.length - 1] ?? "");
        return [{ code: "missing_field", path, message: `missing required field "${field}" (${issue.expected})` }];
      }
      return [{ code: "invalid_type", path, message: `expected ${issue.expected}, got ${describe(got)}` }];
    }
    case "invalid_value": {
      const got = readAt(data, path);
      const options = issue.values.map((v) => String(v));
      return [{
        code: "invalid_value",
        path,
        message: `invalid value ${JSON.stringify(got)}${typeof got === "string" ? suggestion(got, options) : ""}; expected one of ${options.join(", ")}`,
      }];
    }
    default:
      return [{ code: "invalid_value", path, message: issue.message }];
  }
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
    return { ok: false, errors: [{ ...fileField, line: 1, col: 1, path: "", code: "internal", message: `could not load the workflow: ${message}` }] };
  }
}

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
    return fail(
      doc.errors.map((e) => {
        const at = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        const duplicate = e.code === "DUPLICATE_KEY";
        const first = e.message.split("\n")[0] ?? e.message;
        return issue(
          duplicate ? "duplicate_key" : "yaml_syntax",
          at.line,
          at.col,
          "",
          duplicate ? `${first}: each key may appear once in a mapping; merge or remove the repeated key` : `YAML syntax error: ${first}`,
        );
      }),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return fail([issue("alias_limit", 1, 1, "", `${message}: the file expands too many aliases (limit ${limits.maxAliasCount}); write the values out or reduce anchors`)]);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return fail([issue("not_a_mapping", 1, 1, "", `a workflow file must be a YAML mapping with at least "name" and "steps", got ${describe(data)}`)]);
  }

  const count = { steps: 0, depth: 0 };
  countSteps((data as Record<string, unknown>)["steps"], 1, count);
  const limitErrors: WorkflowIssue[] = [];
  if (count.steps > limits.maxSteps) {
    limitErrors.push(issue("too_many_steps", 1, 1, "steps", `the workflow has ${count.steps} steps, over the limit of ${limits.maxSteps}: split it into sub-workflows or raise limits.maxSteps`));
  }
  if (count.depth > limits.maxNesting) {
    limitErrors.push(issue("too_deep", 1, 1, "steps", `control steps are nested ${count.depth} levels deep, over the limit of ${limits.maxNesting}: flatten them with needs`));
  }
  if (limitErrors.length > 0) return fail(limitErrors);

  const locate = makeLocate(doc, source, lines);
  const parsed = ZWorkflow.safeParse(data);
  if (!parsed.success) {
    const errors: WorkflowIssue[] = [];
    for (const zi of parsed.error.issues) {
      for (const m of schemaMessage(zi, data)) {
        const path = m.path.filter((p): p is string | number => typeof p !== "symbol") as Path;
        const at = m.key !== undefined ? locate(path.slice(0, -1), { key: m.key }) : locate(path);
        errors.push(issue(m.code, at.line, at.col, formatPath(path), m.message));
      }
    }
    errors.push(...validateRawSteps(data, locate, file));
    errors.sort((a, b) => a.line - b.line || a.col - b.col);
    return fail(errors);
  }

  const semantic = validateWorkflow(parsed.data, locate, file);
  if (semantic.length > 0) return fail(semantic.sort((a, b) => a.line - b.line || a.col - b.col));
  return { ok: true, definition: parsed.data, errors: [] };
}
