"use client";
import Link from "next/link";
import { Card, type AlertMessage } from "~/components/ui/card";
import type { Approval, GateRun } from "./approval-types";
import { GateDecisionControls } from "./gate-decision-controls";
import { GateDecisionDialogs } from "./gate-decision-dialogs";
import { GateEvidence } from "./gate-evidence";
import { GateFacts } from "./gate-facts";
import { gateView } from "./gate-view";
import { useGateActions } from "./use-gate-actions";

/**
 * The pending gate of a run with what a reviewer needs to decide (output, log tail, what runs next,
 * who started it and who may decide, how long it has waited, decisions so far) and the six
 * decisions. Which buttons are enabled, and why not, is the server's verdict per action
 * (`gate.actions`, from the engine's one table; gate-view.ts); which ones ask first is the table's
 * `confirm`. While a gate is pending this panel owns the page's one "Cancel run" button (run control).
 */
export function GatePanel({ run, gate, now, mayDecide, onResult }: { run: GateRun; gate: Approval; now: number; mayDecide: boolean; onResult: (r: AlertMessage) => void }) {
  const actions = useGateActions(gate, run.id, onResult);
  const context = actions.context.data;
  const view = gateView(gate, context, mayDecide);
  const message = typeof gate.policy.message === "string" ? gate.policy.message : null;
  return (
    <Card title={`Approval gate: ${gate.stepId}`}>
      <div className="flex flex-col gap-4" data-testid="gate-panel" data-gate={gate.id} data-attempt={gate.attempt}>
        {message ? <p className="rounded-md bg-violet-50 px-3 py-2 text-sm text-violet-900">{message}</p> : null}
        <GateFacts gate={gate} now={now} deciders={view.deciders} />
        <GateEvidence run={run} gate={gate} context={context} contextError={actions.context.error?.message ?? null} />
        <GateDecisionControls gate={gate} mayDecide={mayDecide} buttons={view.buttons} actions={actions} />
        <p className="text-xs text-slate-500">
          All pending gates: <Link className="text-brand-600 hover:underline" href="/approvals">Approvals inbox</Link>
        </p>
      </div>
      <GateDecisionDialogs run={run} gate={gate} context={context} changes={view.changes} actions={actions} />
    </Card>
  );
}
