"use client";
import { ConfirmDialog } from "~/components/ui/confirm-dialog";
import type { Approval, GateContext, GateRun } from "./approval-types";
import type { GateChanges } from "./gate-view";
import { ModifyDialog, type ModifyChange } from "./modify-dialog";
import { RetryDialog } from "./retry-dialog";
import type { GateActions } from "./use-gate-actions";

/**
 * The dialog of the decision being confirmed (`actions.confirm`): modify and retry-with-params edit
 * what the gate allows; retry, skip, reject and cancel say what will happen and ask first.
 */
export function GateDecisionDialogs({ run, gate, context, changes, actions }: { run: GateRun; gate: Approval; context: GateContext | undefined; changes: GateChanges; actions: GateActions }) {
  const { confirm, busy, perform, closeConfirm } = actions;
  const { stage } = changes;
  switch (confirm) {
    case null:
    case "approve":
      return null;
    case "modify":
      return (
        <ModifyDialog
          stepId={gate.stepId}
          output={gate.output}
          editableOutput={changes.editableOutput}
          next={changes.editableNext}
          busy={busy}
          onCancel={closeConfirm}
          onConfirm={(c: ModifyChange) => perform("modify", c.output, c.nextParams)}
        />
      );
    case "retry":
      return context && changes.retryEditsParams ? (
        <RetryDialog stepId={gate.stepId} type={context.type} params={context.params} editable={changes.editableParams} busy={busy} onCancel={closeConfirm} onConfirm={(p) => perform("retry", p)} />
      ) : (
        <ConfirmDialog title="Retry this step?" confirmLabel="Yes, run it again" cancelLabel="Back" variant="primary" busy={busy} onCancel={closeConfirm} onConfirm={() => perform("retry")}>
          <span className="font-mono">{gate.stepId}</span> {stage ? "asks for a decision again" : "runs again as a new attempt, then its result is held for review again"}; the approvals start over.
        </ConfirmDialog>
      );
    case "skip":
      return (
        <ConfirmDialog title="Skip this step?" confirmLabel="Yes, skip" cancelLabel="Back" variant="primary" busy={busy} onCancel={closeConfirm} onConfirm={() => perform("skip")}>
          <span className="font-mono">{gate.stepId}</span> is marked skipped{stage ? "" : " and its result is not used"}; the steps after it run as if it had passed.
        </ConfirmDialog>
      );
    case "reject":
      return (
        <ConfirmDialog title="Reject this gate?" confirmLabel="Yes, reject" cancelLabel="Back" busy={busy} onCancel={closeConfirm} onConfirm={() => perform("reject")}>
          <span className="font-mono">{gate.stepId}</span> fails and the steps after it do not run.
        </ConfirmDialog>
      );
    case "cancel":
      return (
        <ConfirmDialog title="Cancel this run?" confirmLabel="Yes, cancel run" cancelLabel="Keep running" busy={busy} onCancel={closeConfirm} onConfirm={() => perform("cancel")}>
          The run of <span className="font-medium">{run.workflow}</span> stops at this gate (recorded as the gate&apos;s decision).
        </ConfirmDialog>
      );
  }
}
