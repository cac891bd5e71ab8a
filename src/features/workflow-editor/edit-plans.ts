/**
 * The canvas edits that need more than one document op or a layout change, planned purely from the
 * graph: what to add where, what a delete removes, where a renamed step's position goes.
 */
import { NODE_W, type Point, type Positions } from "./auto-layout";
import { CONTAINER_TYPES, type EditorGraph } from "./read-graph";
import { newStepBody } from "./step-fields";
import { freshStepId, type StepParent } from "./yaml-doc";

/** Room between a new step and the one it is placed next to. */
const GAP = 56;

/** The "Add to" choices: the workflow itself (""), each parallel's steps, each conditional's then and else. */
export function addTargets(graph: EditorGraph): Array<{ value: string; label: string }> {
  const containers = graph.steps.filter((s) => CONTAINER_TYPES.has(s.type) && s.id);
  return containers.flatMap((c) =>
    c.type === "parallel"
      ? [{ value: `${c.key}|steps`, label: `${c.id} (parallel)` }]
      : [
          { value: `${c.key}|then`, label: `${c.id} then` },
          { value: `${c.key}|else`, label: `${c.id} else` },
        ],
  );
}

/** The container an "Add to" choice names (`key|branch`), or none for the workflow. */
export function parentOf(graph: EditorGraph, addTo: string): StepParent | undefined {
  const [key = "", branch = "steps"] = addTo ? addTo.split("|") : [];
  const step = addTo ? graph.byKey.get(key) : undefined;
  return step ? { id: step.id, branch: branch as StepParent["branch"] } : undefined;
}

export type AddStepPlan = { step: Record<string, unknown> & { id: string; type: string }; parent?: StepParent; position?: Point };

/**
 * A new step of `type`: a fresh id (child steps of a container get fresh ids too), its parent from
 * "Add to", and, at the top level, where it goes: where it was dropped, else right of the selected
 * step, else after the rightmost one. (Steps inside a container are laid out by the container.)
 */
export function planAddStep(graph: EditorGraph, effective: Positions, type: string, opts: { addTo: string; selected: string | null; at?: Point }): AddStepPlan {
  const taken = new Set(graph.steps.map((s) => s.id));
  const id = freshStepId(type, taken);
  const childId = (base: string): string => {
    let c = base;
    for (let i = 2; taken.has(c) || c === id; i++) c = `${base}${i}`;
    taken.add(c);
    return c;
  };
  const parent = parentOf(graph, opts.addTo);
  const step = newStepBody(type, id, childId);
  if (parent) return { step, parent };
  let p = opts.at;
  if (!p) {
    const sel = opts.selected ? effective[opts.selected] : undefined;
    if (sel && !graph.byKey.get(opts.selected ?? "")?.parent) p = { x: sel.x + NODE_W + GAP, y: sel.y + 24 };
    else {
      const top = graph.steps.filter((s) => s.parent === undefined);
      const maxX = Math.max(-NODE_W - GAP, ...top.map((s) => effective[s.key]?.x ?? 0));
      p = { x: maxX + NODE_W + GAP, y: 16 };
    }
  }
  return { step, position: p };
}

/**
 * The steps a delete of `keys` removes by itself: React Flow also deletes the children of a deleted
 * container, and removing the container removes them, so those are left out.
 */
export function outermostKeys(graph: EditorGraph, keys: readonly string[]): string[] {
  const set = new Set(keys);
  const inside = (k: string): boolean => {
    for (let p = graph.byKey.get(k)?.parent; p !== undefined; p = graph.byKey.get(p)?.parent) if (set.has(p)) return true;
    return false;
  };
  return keys.filter((k) => !inside(k));
}

/** The positions with `from`'s point moved to `to` (a renamed step keeps its place). */
export function renamePosition(positions: Positions, from: string, to: string): Positions {
  const { [from]: at, ...rest } = positions;
  return at ? { ...rest, [to]: at } : rest;
}
