/**
 * Graph diff of two versions for the history view: the newer graph plus the steps only the older
 * one has, each marked added, removed or changed (any field of the step differs). Pure.
 */
import type { DiffMark } from "./definition-to-flow";
import type { EditorGraph, EditorStep } from "./read-graph";

/** A step's own fields, without its children (a changed child is not a changed container). */
function ownFields(step: EditorStep): string {
  const { steps: _s, then: _t, else: _e, ...rest } = step.raw;
  return JSON.stringify(rest);
}

export function graphDiff(before: EditorGraph, after: EditorGraph): { graph: EditorGraph; marks: Map<string, DiffMark> } {
  const marks = new Map<string, DiffMark>();
  for (const s of after.steps) {
    const old = before.byKey.get(s.key);
    if (!old) marks.set(s.key, "added");
    else if (ownFields(old) !== ownFields(s) || old.parent !== s.parent || old.branch !== s.branch) marks.set(s.key, "changed");
  }
  const steps = [...after.steps];
  const byKey = new Map(after.byKey);
  for (const s of before.steps) {
    if (after.byKey.has(s.key)) continue;
    marks.set(s.key, "removed");
    // A removed step stays inside its old container only when that container still exists.
    const parent = s.parent !== undefined && (byKey.has(s.parent) || marks.get(s.parent) === "removed") ? s.parent : undefined;
    const { parent: _p, branch: _b, ...rest } = s;
    const kept: EditorStep = { ...rest, ...(parent !== undefined ? { parent, ...(s.branch ? { branch: s.branch } : {}) } : {}) };
    steps.push(kept);
    byKey.set(s.key, kept);
  }
  // Children after their parents (React Flow's order), removed ones included.
  const ordered: EditorStep[] = [];
  const placed = new Set<string>();
  const place = (s: EditorStep): void => {
    if (placed.has(s.key)) return;
    if (s.parent !== undefined) {
      const p = byKey.get(s.parent);
      if (p) place(p);
    }
    placed.add(s.key);
    ordered.push(s);
  };
  steps.forEach(place);
  const edges = [...after.edges];
  const ids = new Set(edges.map((e) => e.id));
  for (const e of before.edges) if (!ids.has(e.id) && byKey.has(e.from) && byKey.has(e.to)) edges.push(e);
  return { graph: { steps: ordered, byKey, edges }, marks };
}
