/**
 * Positions for the canvas. Leaves are fixed-size boxes; a container (parallel, conditional) is
 * laid out from the inside out: its children first (dagre, left to right), then the container is
 * sized around them and laid out as one box among its siblings. Positions of children are relative
 * to their container, as React Flow's sub-flows expect. Pure.
 */
import dagre from "@dagrejs/dagre";
import { CONTAINER_TYPES, type EditorGraph, type EditorStep } from "./read-graph";

export type Point = { x: number; y: number };
export type Positions = Record<string, Point>;

export const NODE_W = 184;
export const NODE_H = 60;
/** Room for a container's header (type, condition) and its inner padding. */
export const GROUP_HEADER = 40;
export const GROUP_PAD = 16;

export type Size = { width: number; height: number };

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
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 56, marginx: parent === "" ? 16 : GROUP_PAD, marginy: parent === "" ? 16 : GROUP_HEADER });
    g.setDefaultEdgeLabel(() => ({}));
    for (const s of list) g.setNode(s.key, { ...(sizes.get(s.key) as Size) });
    const members = new Set(list.map((s) => s.key));
    for (const e of graph.edges) {
      const a = ancestorUnder(graph, e.from, parent);
      const b = ancestorUnder(graph, e.to, parent);
      if (a && b && a !== b && members.has(a) && members.has(b)) g.setEdge(a, b);
    }
    dagre.layout(g);
    // Inside a container, then-branch children go above else-branch ones (dagre does not know).
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
