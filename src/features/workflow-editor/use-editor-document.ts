"use client";
import { useCallback, useMemo, useRef, useState } from "react";
import type { AlertMessage } from "~/components/ui/card";
import type { Point, Positions } from "./auto-layout";
import { parseText } from "./parse-text";
import { readGraph, type EditorGraph } from "./read-graph";
import { useTextHistory } from "./use-history";
import { applyOp, type DocOp } from "./yaml-doc";

/**
 * The document being edited: the YAML text with its one undo history, what it reads as (the graph
 * the canvas draws, the root mapping the inspector edits) and the node positions. Canvas edits go
 * through `apply`, a minimal text splice (yaml-doc.ts); YAML edits replace the text.
 */
export function useEditorDocument(initial: { yaml: string; positions: Positions }, readOnly: boolean, setStatus: (s: AlertMessage | null) => void) {
  const history = useTextHistory(initial.yaml);
  const { text, commit } = history;
  const [positions, setPositions] = useState<Positions>(initial.positions);
  const [layoutDirty, setLayoutDirty] = useState(false);

  const parsed = useMemo(() => parseText(text), [text]);
  // While the text does not parse, the canvas keeps showing the last graph that did.
  const lastGood = useRef<{ graph: EditorGraph; data: unknown }>({ graph: readGraph(null), data: {} });
  const { graph, data } = useMemo(() => {
    if (parsed.ok) lastGood.current = { graph: readGraph(parsed.data), data: parsed.data };
    return lastGood.current;
  }, [parsed]);
  const root = useMemo(() => (data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {}), [data]);

  // The latest text, so several ops in one event (a multi-delete) apply one after the other.
  const textRef = useRef(text);
  textRef.current = text;
  /** Applies one operation; returns an error message or null. */
  const apply = useCallback(
    (op: DocOp, coalesce: string | null = null): string | null => {
      if (readOnly) return "read-only: your role may not edit workflows";
      const r = applyOp(textRef.current, op);
      if (!r.ok) {
        setStatus({ kind: "error", text: r.error });
        return r.error;
      }
      textRef.current = r.text;
      commit(r.text, coalesce);
      setStatus(null);
      return null;
    },
    [commit, readOnly, setStatus],
  );

  /** The step id of a node key (they differ for a step whose id is missing or taken). */
  const stepIdOf = useCallback((key: string) => graph.byKey.get(key)?.id ?? key, [graph]);
  const onYamlChange = useCallback((t: string) => commit(t, "yaml"), [commit]);
  /** Nodes dragged to new places: layout to save, not a change of the text. */
  const moveNodes = useCallback(
    (moves: Record<string, Point>) => {
      if (readOnly) return;
      setPositions((prev) => ({ ...prev, ...moves }));
      setLayoutDirty(true);
    },
    [readOnly],
  );
  /** Another version loaded (a restore): its text and layout, a fresh history. */
  const { reset: resetHistory } = history;
  const load = useCallback(
    (yaml: string, at: Positions) => {
      resetHistory(yaml);
      setPositions(at);
      setLayoutDirty(false);
    },
    [resetHistory],
  );

  return { history, text, parsed, graph, root, positions, setPositions, layoutDirty, setLayoutDirty, apply, stepIdOf, onYamlChange, moveNodes, load };
}

export type EditorDocument = ReturnType<typeof useEditorDocument>;
