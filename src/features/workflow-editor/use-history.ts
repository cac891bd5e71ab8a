"use client";
import { useCallback, useRef, useState } from "react";

/** How long consecutive edits with the same key (typing in the YAML or one field) merge into one undo step. */
const COALESCE_MS = 800;

type History = { past: string[]; present: string; future: string[] };

/**
 * Undo/redo over the document text. Canvas and YAML edits both change the text, so one history of
 * texts covers both views. Typing bursts merge into one step (same key within COALESCE_MS).
 */
export function useTextHistory(initial: string) {
  const [h, setH] = useState<History>({ past: [], present: initial, future: [] });
  const last = useRef<{ key: string | null; at: number }>({ key: null, at: 0 });

  const commit = useCallback((text: string, key: string | null = null) => {
    const now = performance.now();
    const merge = key !== null && last.current.key === key && now - last.current.at < COALESCE_MS;
    last.current = { key, at: now };
    setH((prev) => {
      if (prev.present === text) return prev;
      if (merge) return { past: prev.past, present: text, future: [] };
      return { past: [...prev.past.slice(-199), prev.present], present: text, future: [] };
    });
  }, []);

  const undo = useCallback(() => {
    last.current = { key: null, at: 0 };
    setH((prev) => {
      const before = prev.past[prev.past.length - 1];
      if (before === undefined) return prev;
      return { past: prev.past.slice(0, -1), present: before, future: [prev.present, ...prev.future] };
    });
  }, []);

  const redo = useCallback(() => {
    last.current = { key: null, at: 0 };
    setH((prev) => {
      const next = prev.future[0];
      if (next === undefined) return prev;
      return { past: [...prev.past, prev.present], present: next, future: prev.future.slice(1) };
    });
  }, []);

  /** Replaces the document (a loaded or restored version) and forgets the history. */
  const reset = useCallback((text: string) => {
    last.current = { key: null, at: 0 };
    setH({ past: [], present: text, future: [] });
  }, []);

  return { text: h.present, commit, undo, redo, reset, canUndo: h.past.length > 0, canRedo: h.future.length > 0 };
}
