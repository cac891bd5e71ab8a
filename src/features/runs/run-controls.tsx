"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import type { AlertMessage } from "~/components/ui/card";
import { ConfirmDialog } from "~/components/ui/confirm-dialog";
import { useTRPC } from "~/trpc/react";
import { runActions, type RunAction } from "./run-status";
import type { Run } from "./run-types";

const LABEL: Record<RunAction, string> = { cancel: "Cancel run", pause: "Pause", resume: "Resume", retry: "Retry" };
const DONE: Record<RunAction, string> = {
  cancel: "Cancel requested: running steps are being stopped.",
  pause: "Paused: running steps finish, no new step starts.",
  resume: "Resumed.",
  retry: "Retrying from the failed steps.",
};

/**
 * Cancel / Pause / Resume / Retry, as the run's status allows; Cancel and Pause ask for confirmation first.
 * `withoutCancel`: a pending gate's panel owns the page's one "Cancel run" button meanwhile.
 */
export function RunControls({ run, onResult, withoutCancel = false }: { run: Run; onResult: (r: AlertMessage) => void; withoutCancel?: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  // Cancel and Pause stop work others may be waiting for: both ask first.
  const [confirming, setConfirming] = useState<"cancel" | "pause" | null>(null);
  const onSuccess = (updated: Run) => {
    qc.setQueryData(trpc.runs.get.queryKey({ id: run.id }), updated);
    void qc.invalidateQueries({ queryKey: trpc.runs.list.pathKey() });
  };
  const mutations = {
    cancel: useMutation(trpc.runs.cancel.mutationOptions({ onSuccess })),
    pause: useMutation(trpc.runs.pause.mutationOptions({ onSuccess })),
    resume: useMutation(trpc.runs.resume.mutationOptions({ onSuccess })),
    retry: useMutation(trpc.runs.retry.mutationOptions({ onSuccess })),
  };
  const busy = Object.values(mutations).some((m) => m.isPending);

  async function perform(action: RunAction) {
    try {
      await mutations[action].mutateAsync({ id: run.id });
      onResult({ kind: "success", text: DONE[action] });
    } catch (e) {
      onResult({ kind: "error", text: e instanceof Error ? e.message : String(e) });
    }
  }

  const actions = runActions(run.status).filter((a) => !(withoutCancel && a === "cancel"));
  if (actions.length === 0) return null;
  return (
    <div className="flex gap-2" role="group" aria-label="Run controls">
      {actions.map((a) => (
        <Button key={a} variant={a === "cancel" ? "danger" : "secondary"} disabled={busy} onClick={() => (a === "cancel" || a === "pause" ? setConfirming(a) : void perform(a))}>
          {LABEL[a]}
        </Button>
      ))}
      {confirming === "cancel" ? (
        <ConfirmDialog
          title="Cancel this run?"
          cancelLabel="Keep running"
          confirmLabel="Yes, cancel run"
          busy={busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            void perform("cancel");
          }}
        >
          Running steps of <span className="font-medium">{run.workflow}</span> are stopped and no further step starts. You can retry the run later from the cancelled steps.
        </ConfirmDialog>
      ) : null}
      {confirming === "pause" ? (
        <ConfirmDialog
          title="Pause this run?"
          cancelLabel="Keep running"
          confirmLabel="Yes, pause"
          variant="primary"
          busy={busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            void perform("pause");
          }}
        >
          Steps of <span className="font-medium">{run.workflow}</span> that are running now finish; no further step starts until someone resumes the run.
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
