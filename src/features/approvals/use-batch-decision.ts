"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "~/trpc/react";
import type { Approval, BatchResult } from "./approval-types";
import { gateName } from "./inbox-rows";

export type BatchAction = "approve" | "reject";
/** A batch's outcome per gate; names are kept with the results, since decided gates leave the pending list the moment it refreshes. */
export type BatchResults = { action: BatchAction; items: (BatchResult & { name: string })[] };

/**
 * Batch approve / reject of the selected gates, after a confirmation naming them: each gate is
 * decided on its own by the server, and its refusal comes back with the reason.
 */
export function useBatchDecision() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<BatchResults | null>(null);
  const [comment, setComment] = useState("");
  const [asking, setAsking] = useState<BatchAction | null>(null);
  const batch = useMutation(
    trpc.approvals.decideMany.mutationOptions({
      onSettled: () => void qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() }),
    }),
  );

  function toggle(id: string, on: boolean) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  /** Decides the selected gates that are still shown (`visible`). */
  async function decide(action: BatchAction, visible: readonly Approval[]) {
    setAsking(null);
    const ids = visible.map((a) => a.id);
    if (ids.length === 0) return;
    const names = new Map(visible.map((a) => [a.id, gateName(a)]));
    const named = (r: BatchResult) => ({ ...r, name: names.get(r.id) ?? r.id });
    try {
      const items = await batch.mutateAsync({ ids, action, ...(comment.trim() ? { comment: comment.trim() } : {}) });
      setResults({ action, items: items.map(named) });
      setSelected(new Set());
      setComment("");
    } catch (e) {
      setResults({ action, items: ids.map((id) => named({ id, ok: false, error: { code: "ERROR", message: e instanceof Error ? e.message : String(e) } })) });
    }
  }

  return { selected, setSelected, toggle, results, comment, setComment, asking, setAsking, busy: batch.isPending, decide };
}

export type BatchDecision = ReturnType<typeof useBatchDecision>;
