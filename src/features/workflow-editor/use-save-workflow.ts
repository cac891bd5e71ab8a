"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import type { AlertMessage } from "~/components/ui/card";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";
import { useTRPC } from "~/trpc/react";
import type { Positions } from "./auto-layout";
import { saveRequest, type SavedVersion } from "./save-request";
import type { EditorDocument } from "./use-editor-document";
import { problemCount } from "./use-validation";

/**
 * Saving and restoring versions: the version the text stands on (`saved`), the version message,
 * Save (validated in the browser first; the server's refusal shows its problems) and Restore of an
 * older version (loaded into the editor as the new latest). `dirty`: text or layout not saved.
 */
export function useSaveWorkflow(
  source: SavedVersion,
  doc: EditorDocument,
  effective: Positions,
  opts: {
    validateNow: () => WorkflowIssue[];
    setIssues: (issues: WorkflowIssue[]) => void;
    setStatus: (s: AlertMessage | null) => void;
    /** After a restore: what the view resets (selection, viewport). */
    onLoaded: () => void;
  },
) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { validateNow, setIssues, setStatus, onLoaded } = opts;
  const { text, layoutDirty, setLayoutDirty, root, load } = doc;
  const [saved, setSaved] = useState<SavedVersion>(source);
  const [message, setMessage] = useState("");
  const workflowName = typeof root["name"] === "string" ? root["name"] : "";

  const save = useMutation(
    trpc.workflows.save.mutationOptions({
      onSuccess: (r, input) => {
        setSaved({ name: r.name, version: r.version, text: input.yaml });
        setLayoutDirty(false);
        setMessage("");
        setStatus({ kind: "success", text: r.created ? `Saved ${r.name} v${r.version}` : `No changes: ${r.name} stays at v${r.version}` });
        void qc.invalidateQueries({ queryKey: trpc.workflows.pathKey() });
        // A new (or renamed) workflow: its own address, without remounting the editor (undo history stays).
        const path = `/workflows/${encodeURIComponent(r.name)}/edit`;
        if (window.location.pathname !== path) window.history.replaceState(null, "", path);
      },
      onError: (e) => {
        const details = (e.data as { details?: { errors?: WorkflowIssue[] } } | undefined)?.details;
        if (details?.errors) setIssues(details.errors);
        setStatus({ kind: "error", text: `Not saved: ${e.message}` });
      },
    }),
  );

  const onSave = useCallback(() => {
    const errors = validateNow();
    if (errors.length > 0) {
      setStatus({ kind: "error", text: `Not saved: fix the ${problemCount(errors.length)} first (see Problems).` });
      document.getElementById("editor-problems")?.focus();
      return;
    }
    save.mutate(saveRequest(text, message, effective, saved, workflowName));
  }, [effective, message, save, saved, setStatus, text, validateNow, workflowName]);

  const onRestored = useCallback(
    async (version: number) => {
      if (!saved.name) return;
      const v = await qc.fetchQuery(trpc.workflows.version.queryOptions({ name: saved.name, version }));
      load(v.yaml, v.layout?.positions ?? {});
      setSaved({ name: v.name, version: v.version, text: v.yaml });
      onLoaded();
      setStatus({ kind: "success", text: `Restored as v${v.version}` });
    },
    [load, onLoaded, qc, saved.name, setStatus, trpc],
  );

  /** The saved version's definition (what Run starts), or null when it does not load. */
  const savedDefinition = useMemo(() => {
    const r = loadWorkflow(saved.text);
    return r.ok ? (r.definition as unknown as Record<string, unknown>) : null;
  }, [saved.text]);

  return { saved, message, setMessage, saving: save.isPending, onSave, onRestored, savedDefinition, dirty: text !== saved.text || layoutDirty };
}
