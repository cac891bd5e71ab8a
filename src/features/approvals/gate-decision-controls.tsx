"use client";
import { useId } from "react";
import { Button } from "~/components/ui/button";
import { ACTION_LABEL, GATE_ACTION_RULES, type Approval } from "./approval-types";
import { GateForm } from "./gate-form";
import type { GateButtons } from "./gate-view";
import type { GateActions } from "./use-gate-actions";

const NOTICE = "rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900";

/** Why the caller may not take some decisions (the server's reasons), or any at all. */
function RefusalNotice({ buttons }: { buttons: GateButtons }) {
  if (buttons.refusals.length) {
    return (
      <div className={NOTICE} data-testid="gate-refusal">
        {buttons.refusals.map((r) => (
          <p key={r}>{r}</p>
        ))}
        {buttons.onlyCancel ? <p>With run control you may still cancel the run.</p> : null}
        {buttons.blocked !== null ? <p>{buttons.blocked}</p> : null}
      </div>
    );
  }
  return buttons.blocked !== null ? (
    <p className={NOTICE} data-testid="gate-refusal">
      {buttons.blocked}
    </p>
  ) : null;
}

/**
 * The deciding part of the gate panel: refusals, the human stage's form, the comment and the
 * decision buttons (Cancel run set apart: it ends the whole run, not just the gate).
 */
export function GateDecisionControls({ gate, mayDecide, buttons, actions }: { gate: Approval; mayDecide: boolean; buttons: GateButtons; actions: GateActions }) {
  const commentId = useId();
  const { fields, values, setValues, comment, setComment, busy, context, click } = actions;
  const shown = buttons.shown.length > 0;
  return (
    <>
      <RefusalNotice buttons={buttons} />

      {fields.length && mayDecide ? <GateForm fields={fields} values={values} onChange={setValues} disabled={!(gate.actions.approve.ok || gate.actions.modify.ok) || busy} /> : null}

      {shown ? (
        <div className="flex flex-col gap-1">
          <label htmlFor={commentId} className="text-sm font-medium text-slate-700">
            Comment
          </label>
          <textarea
            id={commentId}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            rows={2}
            maxLength={10_000}
            placeholder="Why (recorded with the decision)"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500"
          />
        </div>
      ) : null}

      {shown ? (
        <div className="flex flex-wrap gap-2" role="group" aria-label="Gate decision">
          {buttons.decisions.map((a) => {
            const v = buttons.verdicts[a];
            const tone = GATE_ACTION_RULES[a].tone;
            return (
              <Button
                key={a}
                variant={a === "approve" ? "primary" : tone === "negative" ? "danger" : "secondary"}
                // Modify and retry open dialogs built from the gate's context: wait for it.
                disabled={!v.ok || busy || ((a === "modify" || a === "retry") && !context.data)}
                title={v.ok ? undefined : v.reason}
                onClick={() => click(a)}
              >
                {ACTION_LABEL[a]}
              </Button>
            );
          })}
          {buttons.shown.includes("cancel") ? (
            <Button variant="danger" className="sm:ml-auto" disabled={busy} onClick={() => click("cancel")}>
              Cancel run
            </Button>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
