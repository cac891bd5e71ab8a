"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { useTRPC } from "~/trpc/react";
import { Dialog } from "./dialog";
import { runActions, type RunAction } from "./run-status";
import type { Run } from "./run-types";

const LABEL: Record<RunAction, string> = { cancel: "Cancel run", pause: "Pause", resume: "Resume", retry: "Retry" };
const DONE: Record<RunAction, string> = {
  cancel: "Cancel requested: running steps are being stopped.",
  pause: "Paused: running steps finish, no new step starts.",
  resume: "Resumed.",
  retry: "Retrying from the failed steps.",
};

export type ControlResult = { kind: "success" | "error"; text: string };

/**
 * Cancel / Pause / Resume / Retry, as the run's status allows; Cancel asks for confirmation first.
 * `withoutCancel`: a pending gate's panel owns the page's one "Cancel run" button meanwhile.
 */
export function RunControls({ run, onResult, withoutCancel = false }: { run: Run; onResult: (r: ControlResult) => void; withoutCancel?: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
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
        <Button key={a} variant={a === "cancel" ? "danger" : "secondary"} disabled={busy} onClick={() => (a === "cancel" ? setConfirming(true) : void perform(a))}>
          {LABEL[a]}
        </Button>
      ))}
      {confirming ? (
        <Dialog label="Cancel this run?" onClose={() => setConfirming(false)}>
          <p className="text-sm text-slate-600">
            Running steps of <span className="font-medium">{run.workflow}</span> are stopped and no further step starts. You can retry the run later from the cancelled steps.
          </p>
          <div className="mt-5 flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Keep running
            </Button>
            <Button
              variant="danger"
              disabled={busy}
              onClick={() => {
                setConfirming(false);
                void perform("cancel");
              }}
            >
              Yes, cancel run
            </Button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}
