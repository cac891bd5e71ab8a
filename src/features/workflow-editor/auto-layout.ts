/**
 * Positions for the canvas. Leaves are fixed-size boxes; a container (parallel, conditional) is
 * laid out from the inside out: its children first (dagre, left to right), then the container is
 * sized around them and laid out as one box among its siblings. Positions of children are relative
 * to their container, as React Flow's sub-flows expect. Pure.
 */
import dagre from "@dagrejs/dagre";
import { topologicalSort } from "~/engine/graph/topological-sort";
import { CONTAINER_TYPES, type EditorGraph, type EditorStep } from "./read-graph";

export type Point = { x: number; y: number };
export type Positions = Record<string, Point>;

export const NODE_W = 184;
export const NODE_H = 60;
/** Room for a container's header (type, condition) and its inner padding. */
export const GROUP_HEADER = 40;
export const GROUP_PAD = 16;

export type Size = { width: number; height: number };

/**
 * Above this many boxes on one level, dagre (network simplex, crossing minimisation) takes most of
 * a second on 500 nodes; a linear layered layout keeps a big workflow opening fast.
 */
export const DAGRE_MAX_NODES = 150;
const RANK_GAP = 56;
const ROW_GAP = 24;

/**
 * Layered layout in O(V + E): column = longest path from a root (topological order from the engine's
 * graph code; steps on a cycle keep document order), rows ordered by the mean row of their needs.
 */
function layeredLayout(keys: string[], sizes: Map<string, Size>, edges: [string, string][], margin: Point): Record<string, Point> {
  const needs = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const [a, b] of edges) needs.get(b)?.push(a);
  const order = topologicalSort(keys, (k) => needs.get(k) ?? []) ?? keys;
  const rank = new Map<string, number>();
  for (const k of order) rank.set(k, Math.max(-1, ...(needs.get(k) ?? []).map((n) => rank.get(n) ?? -1)) + 1);
  const columns: string[][] = [];
  for (const k of order) {
    const r = rank.get(k) ?? 0;
    (columns[r] ??= []).push(k);
  }
  const row = new Map<string, number>();
  const out: Record<string, Point> = {};
  let x = margin.x;
  for (const col of columns) {
    const mean = (k: string): number => {
      const ns = (needs.get(k) ?? []).map((n) => row.get(n)).filter((v): v is number => v !== undefined);
      return ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : Number.MAX_SAFE_INTEGER;
    };
    col.sort((a, b) => mean(a) - mean(b));
    let y = margin.y;
    let width = 0;
    col.forEach((k, i) => {
      const size = sizes.get(k) ?? { width: NODE_W, height: NODE_H };
      row.set(k, i);
      out[k] = { x, y };
      y += size.height + ROW_GAP;
      width = Math.max(width, size.width);
    });
    x += width + RANK_GAP;
  }
  return out;
}

/** Children per parent key ("" = top level), in document order. */
export function childrenByParent(graph: EditorGraph): Map<string, EditorStep[]> {
  const out = new Map<string, EditorStep[]>();
  for (const s of graph.steps) {
    const k = s.parent ?? "";
    const list = out.get(k);
    if (list) list.push(s);
    else out.set(k, [s]);
  }
  return out;
}

/** The ancestor of `key` that is a direct child of `parent` (or undefined when it is not inside). */
function ancestorUnder(graph: EditorGraph, key: string, parent: string): string | undefined {
  let cur = graph.byKey.get(key);
  while (cur) {
    if ((cur.parent ?? "") === parent) return cur.key;
    cur = cur.parent !== undefined ? graph.byKey.get(cur.parent) : undefined;
  }
  return undefined;
}

/**
 * Sizes of containers around their children's positions (given or computed), bottom-up.
 */
export function containerSizes(graph: EditorGraph, positions: Positions): Map<string, Size> {
  const sizes = new Map<string, Size>();
  const kids = childrenByParent(graph);
  const size = (s: EditorStep): Size => {
    const known = sizes.get(s.key);
    if (known) return known;
    if (!CONTAINER_TYPES.has(s.type)) return { width: NODE_W, height: NODE_H };
    let w = NODE_W;
    let h = GROUP_HEADER;
    for (const c of kids.get(s.key) ?? []) {
      const p = positions[c.key] ?? { x: GROUP_PAD, y: GROUP_HEADER };
      const cs = size(c);
      w = Math.max(w, p.x + cs.width + GROUP_PAD);
      h = Math.max(h, p.y + cs.height + GROUP_PAD);
    }
    const out = { width: w, height: h };
    sizes.set(s.key, out);
    return out;
  };
  for (const s of graph.steps) size(s);
  return sizes;
}

/**
 * Computes positions for every step. `keep` positions (manual ones) are used as they are; only the
 * others are computed, unless `all` is set (the Auto layout button).
 */
export function autoLayout(graph: EditorGraph, keep: Positions = {}, all = false): Positions {
  const out: Positions = {};
  const kids = childrenByParent(graph);
  const sizes = new Map<string, Size>();

  const layoutLevel = (parent: string): void => {
    const list = kids.get(parent) ?? [];
    for (const s of list) if (CONTAINER_TYPES.has(s.type)) layoutLevel(s.key);
    for (const s of list) {
      if (!CONTAINER_TYPES.has(s.type)) {
        sizes.set(s.key, { width: NODE_W, height: NODE_H });
        continue;
      }
      let w = NODE_W;
      let h = GROUP_HEADER + NODE_H;
      for (const c of kids.get(s.key) ?? []) {
        const p = out[c.key] as Point;
        const cs = sizes.get(c.key) as Size;
        w = Math.max(w, p.x + cs.width + GROUP_PAD);
        h = Math.max(h, p.y + cs.height + GROUP_PAD);
      }
      sizes.set(s.key, { width: w, height: h });
    }
    const missing = all ? list : list.filter((s) => !keep[s.key]);
    if (missing.length === 0) {
      for (const s of list) out[s.key] = keep[s.key] as Point;
      return;
    }
    const members = new Set(list.map((s) => s.key));
    const levelEdges: [string, string][] = [];
    for (const e of graph.edges) {
      const a = ancestorUnder(graph, e.from, parent);
      const b = ancestorUnder(graph, e.to, parent);
      if (a && b && a !== b && members.has(a) && members.has(b)) levelEdges.push([a, b]);
    }
    const margin = { x: parent === "" ? 16 : GROUP_PAD, y: parent === "" ? 16 : GROUP_HEADER };
    if (list.length > DAGRE_MAX_NODES) {
      const placed = layeredLayout(list.map((s) => s.key), sizes, levelEdges, margin);
      for (const s of list) out[s.key] = (all ? undefined : keep[s.key]) ?? (placed[s.key] as Point);
      return;
    }
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: ROW_GAP, ranksep: RANK_GAP, marginx: margin.x, marginy: margin.y });
    g.setDefaultEdgeLabel(() => ({}));
    for (const s of list) g.setNode(s.key, { ...(sizes.get(s.key) as Size) });
    for (const [a, b] of levelEdges) g.setEdge(a, b);
    dagre.layout(g);
    for (const s of list) {
      const kept = all ? undefined : keep[s.key];
      if (kept) {
        out[s.key] = kept;
        continue;
      }
      const n = g.node(s.key) as { x: number; y: number; width: number; height: number };
      out[s.key] = { x: Math.round(n.x - n.width / 2), y: Math.round(n.y - n.height / 2) };
    }
  };
  layoutLevel("");
  return out;
}
