/**
 * Completion for the YAML pane from the workflow's JSON Schema (the one served at
 * /schema/workflow.json, generated from the zod schema): keys of the mapping the cursor is in
 * (minus the ones already written) and values of enums/consts/booleans. The path at the cursor is
 * read from indentation, so it works on the half-typed lines a parser would reject. Pure.
 */

type Json = Record<string, unknown>;
export type Completion = { label: string; detail?: string; type: "property" | "enum" };
export type CompletionResult = { from: number; options: Completion[] };

type Frame = string | number;

interface LineInfo {
  indent: number;
  dash: boolean;
  /** Column of the key (after `- ` on a dash line). */
  keyCol: number;
  key?: string;
  value?: string;
}

function lineInfo(line: string): LineInfo | undefined {
  const m = /^(\s*)(-\s+)?(.*)$/.exec(line);
  if (!m) return undefined;
  const rest = m[3] ?? "";
  if ((rest.trim() === "" && !m[2]) || rest.trimStart().startsWith("#")) return undefined;
  const indent = (m[1] ?? "").length;
  const keyCol = indent + (m[2]?.length ?? 0);
  const kv = /^([A-Za-z_][\w-]*):(?:\s+(.*))?$/.exec(rest.replace(/\s+#.*$/, ""));
  return { indent, dash: Boolean(m[2]), keyCol, ...(kv ? { key: kv[1] as string, ...(kv[2] !== undefined ? { value: kv[2].trim() } : {}) } : {}) };
}

/** Keys above the cursor whose mappings contain it, outermost first; `0` for a list item. */
function pathAbove(lines: string[], lineNo: number, col: number, startsItem: boolean, dashCol: number): Frame[] {
  const path: Frame[] = [];
  let cur = col;
  let mode: "map" | "seq" = "map";
  if (startsItem) {
    path.unshift(0);
    cur = dashCol;
    mode = "seq";
  }
  for (let i = lineNo - 1; i >= 0 && !(mode === "map" && cur === 0); i--) {
    const info = lineInfo(lines[i] ?? "");
    if (!info) continue;
    if (mode === "map") {
      if (info.dash && info.keyCol === cur) {
        path.unshift(0);
        cur = info.indent;
        mode = "seq";
        continue;
      }
      if (info.key !== undefined && info.keyCol < cur) {
        path.unshift(info.key);
        cur = info.keyCol;
        if (info.dash) {
          path.unshift(0);
          cur = info.indent;
          mode = "seq";
        }
      }
    } else {
      if (info.dash && info.indent === cur) continue;
      if (info.key !== undefined && (info.keyCol < cur || (info.keyCol === cur && !info.dash))) {
        path.unshift(info.key);
        cur = info.keyCol;
        mode = "map";
        if (info.dash) {
          path.unshift(0);
          cur = info.indent;
          mode = "seq";
        }
      }
    }
  }
  return path;
}

/** Keys (and the `type` value) of the mapping whose keys are at column `col` around line `lineNo`. */
function siblings(lines: string[], lineNo: number, col: number, startsItem: boolean): { keys: Set<string>; type?: string } {
  const keys = new Set<string>();
  let type: string | undefined;
  const take = (info: LineInfo): void => {
    if (info.key === undefined || info.keyCol !== col) return;
    keys.add(info.key);
    if (info.key === "type" && info.value) type = info.value.replace(/^["']|["']$/g, "");
  };
  for (let i = lineNo - 1; i >= 0 && !startsItem; i--) {
    const info = lineInfo(lines[i] ?? "");
    if (!info) continue;
    if (info.keyCol < col && !(info.dash && info.keyCol === col)) break;
    take(info);
    if (info.dash && info.keyCol === col) break; // the first line of this list item
  }
  for (let i = lineNo + 1; i < lines.length; i++) {
    const info = lineInfo(lines[i] ?? "");
    if (!info) continue;
    if (info.keyCol < col || (info.dash && info.indent < col)) break;
    take(info);
  }
  return { keys, ...(type !== undefined ? { type } : {}) };
}

function deref(root: Json, node: unknown): Json | undefined {
  let n = node as Json | undefined;
  for (let guard = 0; n && typeof n["$ref"] === "string" && guard < 10; guard++) {
    const ref = n["$ref"] as string;
    if (!ref.startsWith("#/")) return undefined;
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) target = (target as Json | undefined)?.[part];
    n = target as Json | undefined;
  }
  return n;
}

/** The alternatives of a schema (oneOf/anyOf flattened), dereferenced. */
function alternatives(root: Json, node: unknown): Json[] {
  const n = deref(root, node);
  if (!n) return [];
  const alts = (n["oneOf"] ?? n["anyOf"]) as unknown[] | undefined;
  if (Array.isArray(alts)) return alts.flatMap((a) => alternatives(root, a));
  return [n];
}

function stepTypeOf(schema: Json): string | undefined {
  const t = (schema["properties"] as Json | undefined)?.["type"] as Json | undefined;
  return typeof t?.["const"] === "string" ? t["const"] : undefined;
}

function childSchemas(root: Json, nodes: Json[], frame: Frame): Json[] {
  const out: Json[] = [];
  for (const n of nodes) {
    if (typeof frame === "number") {
      if (n["items"]) out.push(...alternatives(root, n["items"]));
      continue;
    }
    const props = n["properties"] as Json | undefined;
    if (props && frame in props) out.push(...alternatives(root, props[frame]));
    else if (n["additionalProperties"] && typeof n["additionalProperties"] === "object") out.push(...alternatives(root, n["additionalProperties"]));
  }
  return out;
}

/** The schemas of the mapping at `path`, narrowed to one step type when the mapping names it. */
function mappingSchemas(root: Json, path: Frame[], typeAt: (depth: number) => string | undefined): Json[] {
  let nodes = alternatives(root, root);
  path.forEach((frame, depth) => {
    nodes = childSchemas(root, nodes, frame);
    const t = typeAt(depth + 1);
    if (t !== undefined) {
      const narrowed = nodes.filter((n) => stepTypeOf(n) === t);
      if (narrowed.length > 0) nodes = narrowed;
    }
  });
  return nodes;
}

function description(n: Json | undefined): string | undefined {
  return typeof n?.["description"] === "string" ? n["description"] : undefined;
}

function valuesOf(root: Json, nodes: Json[]): string[] {
  const out = new Set<string>();
  for (const n of nodes) {
    for (const alt of alternatives(root, n)) {
      if (Array.isArray(alt["enum"])) for (const v of alt["enum"]) out.add(String(v));
      if (alt["const"] !== undefined) out.add(String(alt["const"]));
      if (alt["type"] === "boolean") {
        out.add("true");
        out.add("false");
      }
    }
  }
  return [...out];
}

export function completeAt(text: string, offset: number, schema: Json): CompletionResult | null {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const before = text.slice(start, offset);
  const lines = text.split("\n");
  const lineNo = text.slice(0, start).split("\n").length - 1;
  const keyMode = /^(\s*)(-\s+)?([A-Za-z_][\w-]*)?$/.exec(before);
  const valueMode = keyMode ? null : /^(\s*)(-\s+)?([A-Za-z_][\w-]*):\s+([^\s#,[\]{}]*)$/.exec(before);
  const m = keyMode ?? valueMode;
  if (!m) return null;
  const dashCol = (m[1] ?? "").length;
  const col = dashCol + (m[2]?.length ?? 0);
  const path = pathAbove(lines, lineNo, col, Boolean(m[2]), dashCol);
  // The step type of each mapping on the path (for the discriminated union of steps).
  const own = siblings(lines, lineNo, col, Boolean(m[2]));
  const typeAt = (depth: number): string | undefined => (depth === path.length ? own.type : undefined);
  const maps = mappingSchemas(schema, path, typeAt);
  if (keyMode) {
    const prefix = m[3] ?? "";
    const seen = new Map<string, Completion>();
    for (const n of maps) {
      for (const [key, prop] of Object.entries((n["properties"] as Json | undefined) ?? {})) {
        if (own.keys.has(key) && key !== prefix) continue;
        if (!key.startsWith(prefix) || seen.has(key)) continue;
        const d = description(deref(schema, prop));
        seen.set(key, { label: key, type: "property", ...(d ? { detail: d } : {}) });
      }
    }
    return seen.size > 0 ? { from: offset - prefix.length, options: [...seen.values()] } : null;
  }
  const key = m[3] as string;
  const prefix = m[4] ?? "";
  const values = valuesOf(schema, childSchemas(schema, maps, key)).filter((v) => v.startsWith(prefix));
  return values.length > 0 ? { from: offset - prefix.length, options: values.map((label) => ({ label, type: "enum" as const })) } : null;
}
