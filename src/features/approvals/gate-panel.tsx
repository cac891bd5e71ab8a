"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState, type ReactNode } from "react";
import { Button } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/confirm-dialog";
import { Card, type AlertMessage } from "~/components/ui/card";
import { ArtifactsList } from "~/features/shared/artifacts-list";
import { formatDuration, formatTime } from "~/features/shared/format";
import { StepStatusBadge } from "~/features/shared/status-badge";
import { useStepLogs } from "~/features/shared/use-step-logs";
import { useTRPC } from "~/trpc/react";
import { ACTION_LABEL, DECISION_ACTIONS, GATE_ACTION_RULES, alertKindOf, editableOf, expiresIn, type Approval, type GateAction, type GateRun } from "./approval-types";
import { DecisionList } from "./decision-list";
import { formOf, formPayload, GateForm, initialValues, type FormValues } from "./gate-form";
import { ModifyDialog, type ModifyChange } from "./modify-dialog";
import { RetryDialog } from "./retry-dialog";

const LOG_TAIL = 20;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-sm">{children}</dd>
    </div>
  );
}

function outcomeText(action: GateAction, gate: Approval, after: Approval): string {
  const step = gate.stepId;
  switch (action) {
    case "approve": {
      if (after.status !== "pending") return `Approved ${step}: the run continues.`;
      return `Approval recorded (${after.approvals.count} of ${after.approvals.needed}): the gate waits for more approvals.`;
    }
    case "modify": {
      const last = after.decisions[after.decisions.length - 1];
      const params = last?.nextParams ? Object.keys(last.nextParams) : [];
      if (last?.payload === undefined && params.length) return `Params of ${params.join(", ")} changed: the run continues with them.`;
      return `Output of ${step} modified: the run continues with the new output${params.length ? ` and new params of ${params.join(", ")}` : ""}.`;
    }
    case "retry":
      return `${step} is retried: it will ask for review again.`;
    case "skip":
      return `${step} skipped: the run continues.`;
    case "reject":
      return `${step} rejected: the step failed and the steps after it do not run.`;
    case "cancel":
      return `Run cancelled at the gate of ${step}.`;
  }
}

type Confirm = GateAction | null;

/**
 * The pending gate of a run with what a reviewer needs to decide (output, log tail, what runs next,
 * who started it and who may decide, how long it has waited, decisions so far) and the six
 * decisions. Which buttons are enabled, and why not, is the server's verdict per action
 * (`gate.actions`, from the engine's one table); which ones ask first is the table's `confirm`.
 * While a gate is pending this panel owns the page's one "Cancel run" button (run control).
 */
export function GatePanel({ run, gate, now, mayDecide, onResult }: { run: GateRun; gate: Approval; now: number; mayDecide: boolean; onResult: (r: AlertMessage) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const commentId = useId();
  const [comment, setComment] = useState("");
  const [confirm, setConfirm] = useState<Confirm>(null);
  const { lines } = useStepLogs(run.id, gate.stepId, true);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ id: run.id }) });
  };
  const decide = useMutation(trpc.approvals.decide.mutationOptions({ onSettled: refresh }));
  // Params of the gated and next steps (for the retry and modify dialogs), what is editable, and the attempt's artifacts.
  const context = useQuery(trpc.approvals.context.queryOptions({ id: gate.id }, { staleTime: 0 }));
  const fields = formOf(gate.policy);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const busy = decide.isPending;

  const stage = context.data?.type === "approval";
  const editable = editableOf(gate.stepId, context.data?.editable ?? []);
  const editableNext = (context.data?.next ?? []).map((n) => ({ ...n, editable: editable.next(n.id) })).filter((n) => n.editable.length > 0);
  const editableOutput = stage ? [] : editable.output;
  // Modify needs something it may change; retry edits params only where the gate allows it.
  const nothingToModify = context.data !== undefined && editableOutput.length === 0 && editableNext.length === 0;
  // The server's verdict per action; Modify is also off when the gate lists nothing to change
  // (said on the button only: it is how the gate is written, not a refusal of this person).
  const verdict = (a: GateAction) => (gate.actions[a].ok && a === "modify" && nothingToModify ? { ok: false, reason: "This gate lets approvers change nothing (approval.editable lists no field)." } : gate.actions[a]);
  const shown = DECISION_ACTIONS.filter((a) => (GATE_ACTION_RULES[a].right === "control" ? gate.actions.cancel.ok : mayDecide));
  const decisions = shown.filter((a) => a !== "cancel");
  const refusals = [...new Set(decisions.map((a) => gate.actions[a]).filter((v) => !v.ok).map((v) => v.reason ?? "You may not decide this gate."))];
  const onlyCancel = gate.actions.cancel.ok && decisions.every((a) => !gate.actions[a].ok);

  async function perform(action: GateAction, payload?: unknown, nextParams?: Record<string, unknown>) {
    setConfirm(null);
    const form = fields.length && (action === "approve" || action === "modify") ? formPayload(fields, values) : undefined;
    try {
      const after = await decide.mutateAsync({
        id: gate.id,
        action,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
        ...(payload === undefined ? {} : { payload }),
        ...(form === undefined ? {} : { form }),
        ...(nextParams === undefined ? {} : { nextParams }),
      });
      setComment("");
      onResult({ kind: alertKindOf(action), text: outcomeText(action, gate, after) });
    } catch (e) {
      onResult({ kind: "error", text: `Could not ${action}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  function click(action: GateAction) {
    if (GATE_ACTION_RULES[action].confirm) setConfirm(action);
    else void perform(action);
  }

  const next = run.steps.filter((s) => s.needs.includes(gate.stepId));
  const message = typeof gate.policy.message === "string" ? gate.policy.message : null;
  const tail = lines.slice(-LOG_TAIL);
  const who = [gate.deciders.roles.length ? `${gate.deciders.roles.join(", ")} role${gate.deciders.roles.length > 1 ? "s" : ""}` : "", ...gate.deciders.users].filter(Boolean).join(" or ");

  return (
    <Card title={`Approval gate: ${gate.stepId}`}>
      <div className="flex flex-col gap-4" data-testid="gate-panel" data-gate={gate.id} data-attempt={gate.attempt}>
        {message ? <p className="rounded-md bg-violet-50 px-3 py-2 text-sm text-violet-900">{message}</p> : null}
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-6">
          <Field label="Step">
            <span className="font-mono">{gate.stepId}</span> <span className="text-slate-500">(attempt {gate.attempt})</span>
          </Field>
          <Field label="Started by">{gate.startedBy ?? "—"}</Field>
          <Field label="Waiting for">
            <span className="tabular-nums" data-testid="gate-waited">
              {formatDuration(now - gate.requestedAt.getTime())}
            </span>
          </Field>
          <Field label="Expires">
            <span title={formatTime(gate.expiresAt)}>{expiresIn(gate.expiresAt, now, formatDuration)}</span>
            {gate.expiresAt && typeof gate.policy.on_timeout === "string" ? <span className="text-slate-500"> (then {gate.policy.on_timeout})</span> : null}
          </Field>
          <Field label="Approvals">
            <span data-testid="gate-approvals">
              {gate.approvals.count} of {gate.approvals.needed}
            </span>
          </Field>
          <Field label="Who may decide">
            <span data-testid="gate-deciders">{who || "—"}</span>
            {gate.deciders.escalated ? <span className="text-slate-500"> (escalated)</span> : null}
          </Field>
        </dl>

        <div className="grid gap-4 lg:grid-cols-2">
          <div className="min-w-0">
            <h3 className="mb-1 text-sm font-semibold text-slate-700">Output under review</h3>
            {gate.output === undefined || gate.output === null ? (
              <p className="text-sm text-slate-500">No output: this is a human stage.</p>
            ) : (
              <pre aria-label={`Output of ${gate.stepId} under review`} className="max-h-60 overflow-auto rounded bg-slate-50 p-3 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
                {JSON.stringify(gate.output, null, 2)}
              </pre>
            )}
          </div>
          <div className="min-w-0">
            <h3 className="mb-1 text-sm font-semibold text-slate-700">Log tail</h3>
            <div role="log" aria-label={`Log tail of ${gate.stepId}`} className="max-h-60 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100">
              {tail.length === 0 ? <span className="text-slate-400">No log lines.</span> : null}
              {tail.map((l) => (
                <div key={l.seq} className={`whitespace-pre-wrap break-all ${l.stream === "stderr" ? "text-red-400" : l.stream === "system" ? "italic text-amber-300" : ""}`}>
                  {l.text}
                </div>
              ))}
            </div>
          </div>
        </div>

        <div className="grid gap-4 lg:grid-cols-2">
          <div>
            <h3 className="mb-1 text-sm font-semibold text-slate-700">Runs next</h3>
            {next.length === 0 ? (
              <p className="text-sm text-slate-500">Nothing depends on this step.</p>
            ) : (
              <ul aria-label="Runs next" className="flex flex-wrap gap-2">
                {next.map((s) => (
                  <li key={s.id} className="flex items-center gap-1.5 rounded border border-slate-200 px-2 py-1 text-sm">
                    <span className="font-mono">{s.id}</span>
                    <span className="text-slate-500">{s.type}</span>
                    <StepStatusBadge status={s.status} />
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div>
            <h3 className="mb-1 text-sm font-semibold text-slate-700">Decisions so far</h3>
            <DecisionList gate={gate} />
          </div>
        </div>

        <div>
          <h3 className="mb-1 text-sm font-semibold text-slate-700">Artifacts</h3>
          {context.data ? (
            <ArtifactsList runId={run.id} stepId={gate.stepId} attempt={context.data.artifacts.attempt} items={context.data.artifacts.items} />
          ) : (
            <p className="text-xs text-slate-500">{context.error ? `Could not load: ${context.error.message}` : "Loading…"}</p>
          )}
        </div>

        {refusals.length ? (
          <div className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="gate-refusal">
            {refusals.map((r) => (
              <p key={r}>{r}</p>
            ))}
            {onlyCancel ? <p>With run control you may still cancel the run.</p> : null}
            {!mayDecide && !gate.actions.cancel.ok ? <p>{gate.canDecide.reason ?? "You may not decide this gate."}</p> : null}
          </div>
        ) : !mayDecide && !gate.actions.cancel.ok ? (
          <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="gate-refusal">
            {gate.canDecide.reason ?? "You may not decide this gate."}
          </p>
        ) : null}

        {fields.length && mayDecide ? <GateForm fields={fields} values={values} onChange={setValues} disabled={!(gate.actions.approve.ok || gate.actions.modify.ok) || busy} /> : null}

        {shown.length ? (
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

        {shown.length ? (
          <div className="flex flex-wrap gap-2" role="group" aria-label="Gate decision">
            {decisions.map((a) => {
              const v = verdict(a);
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
            {shown.includes("cancel") ? (
              // Set apart from the gate's decisions: it ends the whole run.
              <Button variant="danger" className="sm:ml-auto" disabled={busy} onClick={() => click("cancel")}>
                Cancel run
              </Button>
            ) : null}
          </div>
        ) : null}
        <p className="text-xs text-slate-500">
          All pending gates: <Link className="text-brand-600 hover:underline" href="/approvals">Approvals inbox</Link>
        </p>
      </div>

      {confirm === "modify" ? (
        <ModifyDialog
          stepId={gate.stepId}
          output={gate.output}
          editableOutput={editableOutput}
          next={editableNext}
          busy={busy}
          onCancel={() => setConfirm(null)}
          onConfirm={(c: ModifyChange) => void perform("modify", c.output, c.nextParams)}
        />
      ) : null}
      {confirm === "retry" && context.data && !stage && editable.params.length ? (
        <RetryDialog stepId={gate.stepId} type={context.data.type} params={context.data.params} editable={editable.params} busy={busy} onCancel={() => setConfirm(null)} onConfirm={(p) => void perform("retry", p)} />
      ) : null}
      {confirm === "retry" && !(context.data && !stage && editable.params.length) ? (
        <ConfirmDialog title="Retry this step?" confirmLabel="Yes, run it again" cancelLabel="Back" variant="primary" busy={busy} onCancel={() => setConfirm(null)} onConfirm={() => void perform("retry")}>
          <span className="font-mono">{gate.stepId}</span> {stage ? "asks for a decision again" : "runs again as a new attempt, then its result is held for review again"}; the approvals start over.
        </ConfirmDialog>
      ) : null}
      {confirm === "skip" ? (
        <ConfirmDialog title="Skip this step?" confirmLabel="Yes, skip" cancelLabel="Back" variant="primary" busy={busy} onCancel={() => setConfirm(null)} onConfirm={() => void perform("skip")}>
          <span className="font-mono">{gate.stepId}</span> is marked skipped{stage ? "" : " and its result is not used"}; the steps after it run as if it had passed.
        </ConfirmDialog>
      ) : null}
      {confirm === "reject" ? (
        <ConfirmDialog title="Reject this gate?" confirmLabel="Yes, reject" cancelLabel="Back" busy={busy} onCancel={() => setConfirm(null)} onConfirm={() => void perform("reject")}>
          <span className="font-mono">{gate.stepId}</span> fails and the steps after it do not run.
        </ConfirmDialog>
      ) : null}
      {confirm === "cancel" ? (
        <ConfirmDialog title="Cancel this run?" confirmLabel="Yes, cancel run" cancelLabel="Keep running" busy={busy} onCancel={() => setConfirm(null)} onConfirm={() => void perform("cancel")}>
          The run of <span className="font-medium">{run.workflow}</span> stops at this gate (recorded as the gate&apos;s decision).
        </ConfirmDialog>
      ) : null}
    </Card>
  );
}
