/**
 * The editor's document model is the YAML text itself. Canvas and inspector edits are applied here
 * as minimal text splices located with the `yaml` library's node ranges, so an edit changes only the
 * lines of the nodes it touches: comments, key order, blank lines and formatting elsewhere survive
 * byte for byte (re-serialising with `doc.toString()` would reflow the whole file).
 *
 * Pure: no React, no DOM. Every operation takes the text and returns the new text or an error.
 */
import {
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  stringify,
  type Document,
  type Node as YamlNode,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";

export type Splice = { from: number; to: number; insert: string };

/** Applies non-overlapping splices (any order) to `text`. */
export function applySplices(text: string, splices: readonly Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.from - a.from || b.to - a.to);
  let out = text;
  for (const s of sorted) out = out.slice(0, s.from) + s.insert + out.slice(s.to);
  return out;
}

/** Where a new step goes: the workflow's `steps`, or a container's `steps` / `then` / `else`. */
export type StepParent = { id: string; branch: "steps" | "then" | "else" };

export type DocOp =
  | { kind: "renameStep"; from: string; to: string }
  | { kind: "addEdge"; from: string; to: string }
  | { kind: "removeEdge"; from: string; to: string }
  | { kind: "addStep"; step: Record<string, unknown> & { id: string; type: string }; parent?: StepParent }
  | { kind: "removeStep"; id: string }
  | { kind: "setStepField"; id: string; path: readonly string[]; value: unknown }
  | { kind: "setRootField"; path: readonly string[]; value: unknown };

export type OpResult = { ok: true; text: string } | { ok: false; error: string };

type StepEntry = { id: string; node: YAMLMap; seq: YAMLSeq; path: (string | number)[] };

const CHILD_LISTS = ["steps", "then", "else"] as const;

function parse(text: string): Document {
  return parseDocument(text, { keepSourceTokens: false, uniqueKeys: false, logLevel: "silent" });
}

/** Every step map of the document (nested ones included) with its id, in document order. */
function indexSteps(doc: Document): StepEntry[] {
  const out: StepEntry[] = [];
  const walk = (seq: unknown, path: (string | number)[]): void => {
    if (!isSeq(seq)) return;
    seq.items.forEach((item, i) => {
      if (!isMap(item)) return;
      const id = item.get("id");
      const at = [...path, i];
      if (typeof id === "string" || typeof id === "number") out.push({ id: String(id), node: item, seq, path: at });
      for (const key of CHILD_LISTS) walk(item.get(key, true), [...at, key]);
    });
  };
  if (isMap(doc.contents)) walk(doc.contents.get("steps", true), ["steps"]);
  return out;
}

/** Step ids of the text in document order (nested included); [] when the YAML does not parse. */
export function stepIds(text: string): string[] {
  const doc = parse(text);
  if (doc.errors.length > 0) return [];
  return indexSteps(doc).map((s) => s.id);
}

// ---- text helpers ------------------------------------------------------------------------------

const lineStart = (text: string, at: number): number => text.lastIndexOf("\n", at - 1) + 1;
const colOf = (text: string, at: number): number => at - lineStart(text, at);

/** The offset of the start of the line after the one holding `end - 1` (end is exclusive). */
function afterLine(text: string, end: number): number {
  if (end > 0 && text[end - 1] === "\n") return end;
  const nl = text.indexOf("\n", end);
  return nl === -1 ? text.length : nl + 1;
}

/** Text to insert as whole lines at `at`: adds the newline a file without a final one lacks. */
function asLines(text: string, at: number, lines: string): string {
  return at === text.length && text.length > 0 && !text.endsWith("\n") ? `\n${lines}` : lines;
}

const range = (n: YamlNode | null | undefined): [number, number, number] | undefined => (n?.range ? n.range : undefined);

/** Is only whitespace between the start of the line and `at` (not `- key`)? */
function firstOnLine(text: string, at: number): boolean {
  return /^\s*$/.test(text.slice(lineStart(text, at), at));
}

// ---- formatting ----------------------------------------------------------------------------------

/** A scalar as YAML source: plain when the yaml library would write it plain, else double-quoted. */
export function formatScalar(value: unknown, inFlow: boolean): string {
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const s = String(value);
  const plain = stringify(s, { lineWidth: 0 }).replace(/\n$/, "");
  const unsafeInFlow = inFlow && /[,[\]{}]/.test(plain);
  if (plain.includes("\n") || unsafeInFlow) return JSON.stringify(s);
  return plain;
}

/** Any value as one-line YAML (flow style for collections). */
export function formatFlow(value: unknown, inFlow = false): string {
  if (value === null || typeof value !== "object") return formatScalar(value, inFlow);
  return stringify(value, { collectionStyle: "flow", lineWidth: 0 }).replace(/\n$/, "");
}

/** A step (or any mapping) as block YAML lines starting at column `indent`, as a list item. */
function blockItem(value: Record<string, unknown>, indent: number): string {
  const body = stringify(value, { lineWidth: 0 }).replace(/\n$/, "").split("\n");
  const pad = " ".repeat(indent);
  return body.map((line, i) => (i === 0 ? `${pad}- ${line}` : `${pad}  ${line}`)).join("\n") + "\n";
}

/** A new scalar value keeping the quoting style of the one it replaces when it can. */
function restyleScalar(old: Scalar, value: unknown, inFlow: boolean): string | undefined {
  if (typeof value === "string" && !value.includes("\n")) {
    if (old.type === "QUOTE_DOUBLE") return JSON.stringify(value);
    if (old.type === "QUOTE_SINGLE") return `'${value.replace(/'/g, "''")}'`;
  }
  if (typeof value === "string" && value.includes("\n")) return undefined; // a block scalar, see below
  return formatScalar(value, inFlow);
}

/** A multi-line string as a literal block scalar (`|`), content at column `indent`. */
function blockScalar(value: string, indent: number): string | undefined {
  if (/^\s/.test(value)) return undefined; // would need an indentation indicator: caller quotes instead
  const chomp = value.endsWith("\n") ? (value.endsWith("\n\n") ? "+" : "") : "-";
  const body = value.endsWith("\n") ? value.slice(0, -1) : value;
  const pad = " ".repeat(indent);
  return `|${chomp}\n${body.split("\n").map((l) => (l === "" ? "" : pad + l)).join("\n")}\n`;
}

// ---- building blocks on one document ---------------------------------------------------------------

function findPair(map: YAMLMap, key: string): Pair<unknown, unknown> | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair<unknown, unknown> | undefined;
}

/** Column of the keys of a block mapping. */
function keyCol(text: string, map: YAMLMap): number {
  const first = map.items[0]?.key as YamlNode | undefined;
  const r = range(first);
  return r ? colOf(text, r[0]) : 0;
}

/** End of a pair's text (value, or key when the value is empty). */
function pairEnd(pair: Pair<unknown, unknown>): number {
  const v = range(pair.value as YamlNode | null);
  const k = range(pair.key as YamlNode);
  return v?.[1] ?? k?.[1] ?? 0;
}

function removePairSplice(text: string, map: YAMLMap, pair: Pair<unknown, unknown>): Splice | undefined {
  const i = map.items.indexOf(pair as never);
  const k = range(pair.key as YamlNode);
  if (!k) return undefined;
  if (map.flow) {
    if (map.items.length === 1) {
      const r = range(map);
      return r ? { from: r[0], to: r[1], insert: "{}" } : undefined;
    }
    const prev = map.items[i - 1];
    const next = map.items[i + 1];
    if (prev) return { from: pairEnd(prev as Pair<unknown, unknown>), to: pairEnd(pair), insert: "" };
    const nk = range(next?.key as YamlNode);
    return nk ? { from: k[0], to: nk[0], insert: "" } : undefined;
  }
  if (!firstOnLine(text, k[0]) || map.items.length === 1) return undefined; // `- key:` line: caller falls back
  const end = pairEnd(pair);
  return { from: lineStart(text, k[0]), to: afterLine(text, end), insert: "" };
}

/** Inserts `key: valueText` into a mapping (after `after` when given, else at the end). */
function insertPairSplice(text: string, map: YAMLMap, key: string, valueText: string, after?: Pair<unknown, unknown>): Splice | undefined {
  const r = range(map);
  if (!r) return undefined;
  if (map.flow) {
    const last = after ?? (map.items[map.items.length - 1] as Pair<unknown, unknown> | undefined);
    if (!last) return { from: r[0], to: r[1], insert: `{ ${key}: ${valueText} }` };
    return { from: pairEnd(last), to: pairEnd(last), insert: `, ${key}: ${valueText}` };
  }
  const last = after ?? (map.items[map.items.length - 1] as Pair<unknown, unknown> | undefined);
  if (!last) return undefined;
  const at = afterLine(text, pairEnd(last));
  return { from: at, to: at, insert: asLines(text, at, `${" ".repeat(keyCol(text, map))}${key}: ${valueText}\n`) };
}

/** Replaces the value of a pair with `value`, keeping everything around it. */
function setPairValueSplice(text: string, map: YAMLMap, pair: Pair<unknown, unknown>, value: unknown): Splice | undefined {
  const node = pair.value as YamlNode | null;
  const k = range(pair.key as YamlNode);
  if (!k) return undefined;
  const inFlow = Boolean(map.flow);
  if (isScalar(node) && node.range && (value === null || typeof value !== "object")) {
    const styled = restyleScalar(node, value, inFlow);
    if (styled !== undefined) return { from: node.range[0], to: node.range[1], insert: styled };
    // a multi-line string: a literal block in block context, a quoted string in flow context
    const block = inFlow ? undefined : blockScalar(String(value), keyCol(text, map) + 2);
    if (block === undefined) return { from: node.range[0], to: node.range[1], insert: JSON.stringify(value) };
    const to = afterLine(text, node.range[1]);
    const trailing = text.slice(node.range[1], to).trim(); // a comment after a one-line scalar
    if (trailing !== "" && !text.slice(node.range[0], node.range[1]).includes("\n")) {
      return { from: node.range[0], to: node.range[1], insert: JSON.stringify(value) };
    }
    return { from: node.range[0], to, insert: block };
  }
  const end = node?.range ? node.range[1] : k[1] + 1;
  const endsLine = end > 0 && text[end - 1] === "\n";
  return { from: k[1], to: end, insert: `: ${formatFlow(value, inFlow)}${endsLine ? "\n" : ""}` };
}

// ---- operations -------------------------------------------------------------------------------------

function stepById(doc: Document, id: string): StepEntry | undefined {
  return indexSteps(doc).find((s) => s.id === id);
}

/** Rewrites `steps.<from>` to `steps.<to>` inside CEL expressions and `{{ }}` templates. */
function referenceSplices(text: string, doc: Document, from: string, to: string): Splice[] {
  const out: Splice[] = [];
  const pattern = new RegExp(`(?<![\\w.])steps(\\s*\\.\\s*)${from.replace(/[$]/g, "\\$")}(?![\\w])`, "g");
  const visitNode = (node: unknown, key: string | undefined): void => {
    if (isScalar(node)) {
      if (typeof node.value !== "string" || !node.range || key === "id") return;
      if (!pattern.test(node.value)) return;
      pattern.lastIndex = 0;
      const src = text.slice(node.range[0], node.range[1]);
      const next = src.replace(pattern, (_m, dot: string) => `steps${dot}${to}`);
      if (next !== src) out.push({ from: node.range[0], to: node.range[1], insert: next });
      return;
    }
    if (isMap(node)) for (const p of node.items) visitNode(p.value, isScalar(p.key) ? String(p.key.value) : undefined);
    else if (isSeq(node)) for (const item of node.items) visitNode(item, undefined);
  };
  visitNode(doc.contents, undefined);
  return out;
}

function renameStep(text: string, doc: Document, from: string, to: string): OpResult {
  if (from === to) return { ok: true, text };
  const steps = indexSteps(doc);
  const target = steps.find((s) => s.id === from);
  if (!target) return { ok: false, error: `no step "${from}"` };
  if (steps.some((s) => s.id === to)) return { ok: false, error: `a step "${to}" exists already` };
  const idNode = target.node.get("id", true);
  if (!isScalar(idNode) || !idNode.range) return { ok: false, error: `step "${from}" has no id scalar` };
  const splices: Splice[] = [{ from: idNode.range[0], to: idNode.range[1], insert: restyleScalar(idNode, to, Boolean(target.node.flow)) ?? to }];
  for (const s of steps) {
    const needs = s.node.get("needs", true);
    if (isSeq(needs)) {
      for (const item of needs.items) {
        if (isScalar(item) && String(item.value) === from && item.range) {
          splices.push({ from: item.range[0], to: item.range[1], insert: restyleScalar(item, to, true) ?? to });
        }
      }
    } else if (isScalar(needs) && String(needs.value) === from && needs.range) {
      splices.push({ from: needs.range[0], to: needs.range[1], insert: restyleScalar(needs, to, Boolean(s.node.flow)) ?? to });
    }
  }
  splices.push(...referenceSplices(text, doc, from, to));
  return { ok: true, text: applySplices(text, splices) };
}

function addEdge(text: string, doc: Document, from: string, to: string): OpResult {
  const steps = indexSteps(doc);
  if (!steps.some((s) => s.id === from)) return { ok: false, error: `no step "${from}"` };
  const target = steps.find((s) => s.id === to);
  if (!target) return { ok: false, error: `no step "${to}"` };
  const map = target.node;
  const pair = findPair(map, "needs");
  if (pair) {
    const needs = pair.value as YamlNode | null;
    if (isSeq(needs)) {
      if (needs.items.some((i) => isScalar(i) && String(i.value) === from)) return { ok: true, text };
      const r = range(needs);
      const last = needs.items[needs.items.length - 1] as YamlNode | undefined;
      const lr = range(last);
      if (needs.flow) {
        if (!lr) {
          if (!r) return { ok: false, error: "needs has no position" };
          return { ok: true, text: applySplices(text, [{ from: r[0], to: r[1], insert: `[${formatScalar(from, true)}]` }]) };
        }
        return { ok: true, text: applySplices(text, [{ from: lr[1], to: lr[1], insert: `, ${formatScalar(from, true)}` }]) };
      }
      if (!r || !lr) return { ok: false, error: "needs has no position" };
      const at = afterLine(text, lr[1]);
      return { ok: true, text: applySplices(text, [{ from: at, to: at, insert: asLines(text, at, `${" ".repeat(colOf(text, r[0]))}- ${formatScalar(from, false)}\n`) }]) };
    }
    const current = isScalar(needs) && needs.value !== null ? [String(needs.value)] : [];
    const splice = setPairValueSplice(text, map, pair, [...current, from]);
    return splice ? { ok: true, text: applySplices(text, [splice]) } : { ok: false, error: "cannot edit needs here" };
  }
  // No needs yet: a new `needs: [from]` after the `type` (or `id`) pair, where the design's examples put it.
  const anchor = findPair(map, "type") ?? findPair(map, "id");
  const anchorSingleLine = anchor && !text.slice(range(anchor.key as YamlNode)?.[0] ?? 0, pairEnd(anchor)).includes("\n");
  const splice = insertPairSplice(text, map, "needs", `[${formatScalar(from, true)}]`, anchorSingleLine ? anchor : undefined);
  return splice ? { ok: true, text: applySplices(text, [splice]) } : { ok: false, error: "cannot add needs here" };
}

function removeEdgeSplices(text: string, entry: StepEntry, from: string): Splice[] | undefined {
  const map = entry.node;
  const pair = findPair(map, "needs");
  if (!pair) return [];
  const needs = pair.value as YamlNode | null;
  if (isSeq(needs)) {
    const i = needs.items.findIndex((it) => isScalar(it) && String(it.value) === from);
    if (i < 0) return [];
    const others = needs.items.filter((it) => !(isScalar(it) && String(it.value) === from));
    if (others.length === 0) {
      const s = removePairSplice(text, map, pair);
      return s ? [s] : undefined;
    }
    const item = range(needs.items[i] as YamlNode);
    if (!item) return undefined;
    if (needs.flow) {
      const prev = range(needs.items[i - 1] as YamlNode | undefined);
      const next = range(needs.items[i + 1] as YamlNode | undefined);
      if (prev) return [{ from: prev[1], to: item[1], insert: "" }];
      if (next) return [{ from: item[0], to: next[0], insert: "" }];
      return undefined;
    }
    return [{ from: lineStart(text, item[0]), to: afterLine(text, item[1]), insert: "" }];
  }
  if (isScalar(needs) && String(needs.value) === from) {
    const s = removePairSplice(text, map, pair);
    return s ? [s] : undefined;
  }
  return [];
}

function removeEdge(text: string, doc: Document, from: string, to: string): OpResult {
  const target = stepById(doc, to);
  if (!target) return { ok: false, error: `no step "${to}"` };
  const splices = removeEdgeSplices(text, target, from);
  if (splices) return { ok: true, text: applySplices(text, splices) };
  // An unusual layout (needs as the first key of `- needs: ...`): rewrite through the Document API.
  const needs = target.node.get("needs");
  const list = isSeq(needs) ? needs.items.map((i) => (isScalar(i) ? String(i.value) : "")).filter((v) => v !== from) : [];
  if (list.length > 0) target.node.set("needs", doc.createNode(list, { flow: true }));
  else target.node.delete("needs");
  return { ok: true, text: doc.toString() };
}

function addStep(text: string, doc: Document, step: Record<string, unknown> & { id: string }, parent?: StepParent): OpResult {
  if (indexSteps(doc).some((s) => s.id === step.id)) return { ok: false, error: `a step "${step.id}" exists already` };
  let owner: YAMLMap;
  let key: string;
  if (parent) {
    const p = stepById(doc, parent.id);
    if (!p) return { ok: false, error: `no step "${parent.id}"` };
    owner = p.node;
    key = parent.branch;
  } else {
    if (!isMap(doc.contents)) {
      const body = text.trim() === "" ? "" : text.endsWith("\n") ? text : `${text}\n`;
      return { ok: true, text: `${body}steps:\n${blockItem(step, 2)}` };
    }
    owner = doc.contents;
    key = "steps";
  }
  const pair = findPair(owner, key);
  const seq = pair?.value as YamlNode | null | undefined;
  if (!pair || seq === null || seq === undefined || (isScalar(seq) && seq.value === null)) {
    if (owner.flow) {
      const s = insertPairSplice(text, owner, key, formatFlow([step], true));
      return s ? { ok: true, text: applySplices(text, [s]) } : { ok: false, error: "cannot add a step here" };
    }
    const col = owner === doc.contents ? 0 : keyCol(text, owner);
    if (pair) {
      const k = range(pair.key as YamlNode);
      if (!k) return { ok: false, error: "cannot add a step here" };
      const at = afterLine(text, pairEnd(pair));
      return { ok: true, text: applySplices(text, [{ from: k[0], to: at, insert: `${key}:\n${blockItem(step, col + 2)}` }]) };
    }
    const last = owner.items[owner.items.length - 1] as Pair<unknown, unknown> | undefined;
    const at = last ? afterLine(text, pairEnd(last)) : text.length;
    return { ok: true, text: applySplices(text, [{ from: at, to: at, insert: asLines(text, at, `${" ".repeat(col)}${key}:\n${blockItem(step, col + 2)}`) }]) };
  }
  if (!isSeq(seq)) return { ok: false, error: `${key} is not a list` };
  const r = range(seq);
  if (!r) return { ok: false, error: "the list has no position" };
  const last = seq.items[seq.items.length - 1] as YamlNode | undefined;
  const lr = range(last);
  if (seq.flow) {
    if (lr) return { ok: true, text: applySplices(text, [{ from: lr[1], to: lr[1], insert: `, ${formatFlow(step, true)}` }]) };
    if (owner.flow) return { ok: true, text: applySplices(text, [{ from: r[0], to: r[1], insert: formatFlow([step], true) }]) };
    // `steps: []` in block context: becomes a block list under its key.
    const col = owner === doc.contents ? 0 : keyCol(text, owner);
    const k = range(pair.key as YamlNode);
    if (!k) return { ok: false, error: "cannot add a step here" };
    const to = afterLine(text, r[1]);
    const comment = text.slice(r[1], to).replace(/\n$/, "");
    return { ok: true, text: applySplices(text, [{ from: k[1], to, insert: `:${comment}\n${blockItem(step, col + 2)}` }]) };
  }
  if (!lr) return { ok: false, error: "the list has no position" };
  const at = afterLine(text, lr[1]);
  return { ok: true, text: applySplices(text, [{ from: at, to: at, insert: asLines(text, at, blockItem(step, colOf(text, r[0]))) }]) };
}

function removeStep(text: string, doc: Document, id: string): OpResult {
  const steps = indexSteps(doc);
  const target = steps.find((s) => s.id === id);
  if (!target) return { ok: false, error: `no step "${id}"` };
  const r = range(target.node);
  if (!r) return { ok: false, error: "the step has no position" };
  const splices: Splice[] = [];
  const seq = target.seq;
  if (seq.flow) {
    const i = seq.items.indexOf(target.node as never);
    const prev = range(seq.items[i - 1] as YamlNode | undefined);
    const next = range(seq.items[i + 1] as YamlNode | undefined);
    if (prev) splices.push({ from: prev[1], to: r[1], insert: "" });
    else if (next) splices.push({ from: r[0], to: next[0], insert: "" });
    else splices.push({ from: r[0], to: r[1], insert: "" });
  } else if (seq.items.length === 1) {
    // The last item of a block list: the list becomes `[]` on its key's line.
    const sr = range(seq);
    if (!sr) return { ok: false, error: "the list has no position" };
    const from = text.lastIndexOf(":", sr[0]);
    splices.push({ from: from + 1, to: afterLine(text, r[1]), insert: " []\n" });
  } else {
    // The comment lines right above the item, at its dash's indentation (no blank line between),
    // go with it; a deeper one belongs to the step before (e.g. a field commented out there).
    let from = lineStart(text, r[0]);
    const dash = /^ */.exec(text.slice(from))?.[0].length ?? 0;
    while (from > 0) {
      const above = lineStart(text, from - 1);
      const m = /^( *)#/.exec(text.slice(above, from));
      if (!m || m[1]?.length !== dash) break;
      from = above;
    }
    splices.push({ from, to: afterLine(text, r[1]), insert: "" });
  }
  for (const s of steps) {
    const sr = range(s.node);
    if (s === target || (sr && sr[0] >= r[0] && sr[1] <= r[1])) continue;
    const edge = removeEdgeSplices(text, s, id);
    if (!edge) return { ok: false, error: `cannot remove the need of "${s.id}" on "${id}"` };
    splices.push(...edge);
  }
  return { ok: true, text: applySplices(text, splices) };
}

/** Sets (or with `undefined`, removes) the value at `path` under `map`, creating missing mappings. */
function setIn(text: string, doc: Document, map: YAMLMap, path: readonly string[], value: unknown): OpResult {
  let current = map;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    const pair = findPair(current, key);
    const last = i === path.length - 1;
    if (!pair) {
      if (value === undefined) return { ok: true, text };
      const nested = path.slice(i + 1).reduceRight<unknown>((acc, k) => ({ [k]: acc }), value);
      const splice = insertPairSplice(text, current, key, formatFlow(nested, Boolean(current.flow)));
      if (splice) return { ok: true, text: applySplices(text, [splice]) };
      break;
    }
    if (last) {
      if (value === undefined) {
        const splice = removePairSplice(text, current, pair);
        if (splice) return { ok: true, text: applySplices(text, [splice]) };
        break;
      }
      const splice = setPairValueSplice(text, current, pair, value);
      if (splice) return { ok: true, text: applySplices(text, [splice]) };
      break;
    }
    const next = pair.value;
    if (!isMap(next)) {
      if (value === undefined) return { ok: true, text };
      const nested = path.slice(i + 1).reduceRight<unknown>((acc, k) => ({ [k]: acc }), value);
      const splice = setPairValueSplice(text, current, pair, nested);
      if (splice) return { ok: true, text: applySplices(text, [splice]) };
      break;
    }
    current = next;
  }
  // Fallback for layouts the splices do not handle: the Document API (may reformat the document).
  if (value === undefined) map.deleteIn(path);
  else map.setIn(path, doc.createNode(value, { flow: true }));
  return { ok: true, text: doc.toString() };
}

/**
 * Applies one editor operation to the YAML text. Fails (without changing anything) when the text
 * does not parse or the operation names something that is not there.
 */
export function applyOp(text: string, op: DocOp): OpResult {
  const doc = parse(text);
  if (doc.errors.length > 0) return { ok: false, error: `fix the YAML first: ${doc.errors[0]?.message.split("\n")[0] ?? "syntax error"}` };
  switch (op.kind) {
    case "renameStep":
      return renameStep(text, doc, op.from, op.to);
    case "addEdge":
      if (op.from === op.to) return { ok: false, error: "a step cannot need itself" };
      return addEdge(text, doc, op.from, op.to);
    case "removeEdge":
      return removeEdge(text, doc, op.from, op.to);
    case "addStep":
      return addStep(text, doc, op.step, op.parent);
    case "removeStep":
      return removeStep(text, doc, op.id);
    case "setStepField": {
      const entry = stepById(doc, op.id);
      if (!entry) return { ok: false, error: `no step "${op.id}"` };
      if (op.path[0] === "id") {
        return typeof op.value === "string" ? renameStep(text, doc, op.id, op.value) : { ok: false, error: "an id is a string" };
      }
      return setIn(text, doc, entry.node, op.path, op.value);
    }
    case "setRootField":
      if (!isMap(doc.contents)) return { ok: false, error: "the document is not a mapping" };
      return setIn(text, doc, doc.contents, op.path, op.value);
    default: {
      const never: never = op;
      return { ok: false, error: `unknown operation ${JSON.stringify(never)}` };
    }
  }
}

/** A fresh id for a new step of `type`: `shell_1`, `shell_2`, ... not taken by `taken`. */
export function freshStepId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = 1; ; i++) {
    const id = `${type}_${i}`;
    if (!used.has(id)) return id;
  }
}
