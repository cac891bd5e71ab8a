"use client";
import { useCallback, useMemo } from "react";
import type { AlertMessage } from "~/components/ui/card";
import { autoLayout, type Point, type Positions } from "./auto-layout";
import { outermostKeys, planAddStep, renamePosition } from "./edit-plans";
import type { CanvasEvents } from "./editor-canvas";
import type { EditorDocument } from "./use-editor-document";

type Selection = { selected: string | null; setSelected: (key: string | null) => void };

/**
 * The edits of the canvas, the toolbar and the inspector, each as document ops (`doc.apply`) plus
 * what follows in the view: the new or renamed step selected, its position kept, a status line.
 * Callbacks are stable per document so the memo'd canvas and inspector skip unrelated renders.
 */
export function useEditorEdits(
  doc: EditorDocument,
  effective: Positions,
  { selected, setSelected }: Selection,
  opts: { addTo: string; setStatus: (s: AlertMessage | null) => void; refit: () => void },
) {
  const { apply, graph, stepIdOf, setPositions, setLayoutDirty, moveNodes } = doc;
  const { addTo, setStatus, refit } = opts;

  const addStep = useCallback(
    (type: string, at?: Point) => {
      const plan = planAddStep(graph, effective, type, { addTo, selected, ...(at ? { at } : {}) });
      const error = apply({ kind: "addStep", step: plan.step, ...(plan.parent ? { parent: plan.parent } : {}) });
      if (error) return;
      const id = plan.step.id;
      const p = plan.position;
      if (p) setPositions((prev) => ({ ...prev, [id]: p }));
      setSelected(id);
      setStatus({ kind: "info", text: `Added step ${id}` });
    },
    [addTo, apply, effective, graph, selected, setPositions, setSelected, setStatus],
  );

  const events: CanvasEvents = useMemo(
    () => ({
      onSelect: setSelected,
      onConnect: (from, to) => void apply({ kind: "addEdge", from: stepIdOf(from), to: stepIdOf(to) }),
      onDeleteNodes: (keys) => {
        for (const k of outermostKeys(graph, keys)) apply({ kind: "removeStep", id: stepIdOf(k) });
        setSelected(null);
      },
      onDeleteEdges: (edges) => {
        for (const e of edges) apply({ kind: "removeEdge", from: stepIdOf(e.from), to: stepIdOf(e.to) });
      },
      onMoved: moveNodes,
      onDropType: (type, at) => addStep(type, at),
    }),
    [addStep, apply, graph, moveNodes, setSelected, stepIdOf],
  );

  const onSetField = useCallback(
    (key: string, path: string[], value: unknown): string | null => {
      const id = stepIdOf(key);
      if (path[0] === "id") {
        if (typeof value !== "string" || value === id) return null;
        const error = apply({ kind: "renameStep", from: id, to: value });
        if (!error) {
          setPositions((prev) => renamePosition(prev, id, value));
          setSelected(value);
        }
        return error;
      }
      return apply({ kind: "setStepField", id, path, value }, `field:${key}:${path.join(".")}`);
    },
    [apply, setPositions, setSelected, stepIdOf],
  );
  const onSetRoot = useCallback((path: string[], value: unknown) => apply({ kind: "setRootField", path, value }, `root:${path.join(".")}`), [apply]);
  const onToggleNeed = useCallback(
    (key: string, need: string, on: boolean) => apply(on ? { kind: "addEdge", from: need, to: stepIdOf(key) } : { kind: "removeEdge", from: need, to: stepIdOf(key) }),
    [apply, stepIdOf],
  );

  const deleteSelected = useCallback(() => {
    if (!selected) return;
    const id = stepIdOf(selected);
    if (!apply({ kind: "removeStep", id })) {
      setSelected(null);
      setStatus({ kind: "info", text: `Deleted step ${id}` });
    }
  }, [apply, selected, setSelected, setStatus, stepIdOf]);

  const relayout = useCallback(() => {
    setPositions(autoLayout(graph, {}, true));
    setLayoutDirty(true);
    refit();
  }, [graph, refit, setLayoutDirty, setPositions]);

  return { addStep, events, onSetField, onSetRoot, onToggleNeed, deleteSelected, relayout };
}
