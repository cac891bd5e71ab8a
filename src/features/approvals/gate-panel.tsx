"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState, type ReactNode } from "react";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { ArtifactsList } from "~/features/runs/artifacts-list";
import { Dialog } from "~/features/runs/dialog";
import { formatDuration, formatTime } from "~/features/runs/format";
import type { ControlResult } from "~/features/runs/run-controls";
import type { Run } from "~/features/runs/run-types";
import { StepStatusBadge } from "~/features/runs/status-badge";
import { useStepLogs } from "~/features/runs/step-logs";
import { useTRPC } from "~/trpc/react";
import { expiresIn, isSelfApprovalRefusal, type Approval, type GateAction } from "./approval-types";
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
      const needed = Number(gate.policy.min_approvals ?? 1);
      const got = after.decisions.filter((d) => d.action === "approve").length;
      return `Approval recorded (${got} of ${needed}): the gate waits for more approvals.`;
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
      return `${step} rejected: the step fails.`;
    case "cancel":
      return `Run cancelled at the gate of ${step}.`;
  }
}

type Confirm = "reject" | "cancel" | "modify" | "retry" | null;

/** "deploy: params changed" lines of a modify decision (the full before/after is in the audit log). */
function ParamsChanges({ changes }: { changes: Record<string, { before: unknown; after: unknown }> }) {
  return (
    <details className="mt-0.5 text-xs">
      <summary className="cursor-pointer text-slate-600">Params changed: {Object.keys(changes).join(", ")}</summary>
      {Object.entries(changes).map(([id, c]) => (
        <div key={id} className="mt-1">
          <span className="font-mono">{id}</span>
          <pre aria-label={`Params of ${id} before`} className="mt-0.5 overflow-auto rounded bg-red-50 p-1 font-mono text-red-800">{JSON.stringify(c.before, null, 2)}</pre>
          <pre aria-label={`Params of ${id} after`} className="mt-0.5 overflow-auto rounded bg-emerald-50 p-1 font-mono text-emerald-800">{JSON.stringify(c.after, null, 2)}</pre>
        </div>
      ))}
    </details>
  );
}

/**
 * The pending gate of a run with what a reviewer needs to decide (output, log tail, what runs next,
 * who started it, how long it has waited, decisions so far) and the six decisions. While a gate is
 * pending this panel owns the page's one "Cancel run" button: for a decider it cancels through the
 * gate (recorded as a decision), for an operator who may not decide it cancels the run.
 */
export function GatePanel({
  run,
  gate,
  now,
  mayDecide,
  mayControl,
  onResult,
}: {
  run: Run;
  gate: Approval;
  now: number;
  mayDecide: boolean;
  mayControl: boolean;
  onResult: (r: ControlResult) => void;
}) {
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
  // Params of the gated and next steps (for the retry and modify dialogs) and the attempt's artifacts.
  const context = useQuery(trpc.approvals.context.queryOptions({ id: gate.id }, { staleTime: 0 }));
  const fields = formOf(gate.policy);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const cancelRun = useMutation(trpc.runs.cancel.mutationOptions({ onSettled: refresh }));
  const busy = decide.isPending || cancelRun.isPending;

  const selfOnly = !gate.canDecide.ok && isSelfApprovalRefusal(gate.canDecide.reason);
  // Approve and modify need canDecide; the starter may still retry, skip, reject or cancel.
  const canApprove = mayDecide && gate.canDecide.ok;
  const canOther = mayDecide && (gate.canDecide.ok || selfOnly);
  const cancelVia: "gate" | "run" | null = canOther ? "gate" : mayControl ? "run" : null;

  async function perform(action: GateAction, payload?: unknown, nextParams?: Record<string, unknown>) {
    setConfirm(null);
    try {
      const after = await decide.mutateAsync({
        id: gate.id,
        action,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
        ...(payload === undefined ? {} : { payload }),
        ...(nextParams === undefined ? {} : { nextParams }),
      });
      setComment("");
      onResult({ kind: "success", text: outcomeText(action, gate, after) });
    } catch (e) {
      onResult({ kind: "error", text: `Could not ${action}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  async function cancel() {
    if (cancelVia === "gate") return perform("cancel");
    setConfirm(null);
    try {
      await cancelRun.mutateAsync({ id: run.id });
      onResult({ kind: "success", text: "Cancel requested: the run stops." });
    } catch (e) {
      onResult({ kind: "error", text: `Could not cancel: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  const next = run.steps.filter((s) => s.needs.includes(gate.stepId));
  const retryable = context.data !== undefined && context.data.type !== "approval";
  const needed = Number(gate.policy.min_approvals ?? 1);
  const approvals = gate.decisions.filter((d) => d.action === "approve").length;
  const message = typeof gate.policy.message === "string" ? gate.policy.message : null;
  const tail = lines.slice(-LOG_TAIL);

  return (
    <Card title={`Approval gate: ${gate.stepId}`}>
      <div className="flex flex-col gap-4" data-testid="gate-panel" data-gate={gate.id} data-attempt={gate.attempt}>
        {message ? <p className="rounded-md bg-violet-50 px-3 py-2 text-sm text-violet-900">{message}</p> : null}
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-5">
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
            {approvals} of {needed}
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
            {gate.decisions.length === 0 ? (
              <p className="text-sm text-slate-500">None yet.</p>
            ) : (
              <ul aria-label="Decisions so far" className="flex flex-col gap-1 text-sm">
                {gate.decisions.map((d, i) => (
                  <li key={i}>
                    <span className="font-medium">{d.actor}</span> {d.action} · <span className="text-slate-500">{formatTime(d.at)}</span>
                    {d.comment ? <span className="block text-slate-600">“{d.comment}”</span> : null}
                    {d.nextParams ? <ParamsChanges changes={d.nextParams} /> : null}
                  </li>
                ))}
              </ul>
            )}
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

        {!gate.canDecide.ok ? (
          <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="gate-refusal">
            {gate.canDecide.reason ?? "You may not decide this gate."}
          </p>
        ) : null}

        {fields.length && canOther ? <GateForm fields={fields} values={values} onChange={setValues} disabled={!canApprove || busy} /> : null}

        {canOther ? (
          <div className="flex flex-col gap-1">
            <label htmlFor={commentId} className="text-sm font-medium text-slate-700">
              Comment
            </label>
            <textarea
              id={commentId}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              rows={2}
              placeholder="Why (recorded with the decision)"
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500"
            />
          </div>
        ) : null}

        {canOther || cancelVia ? (
          <div className="flex flex-wrap gap-2" role="group" aria-label="Gate decision">
            {canOther ? (
              <>
                <Button disabled={!canApprove || busy} onClick={() => void perform("approve", fields.length ? formPayload(fields, values) : undefined)}>
                  Approve
                </Button>
                <Button variant="secondary" disabled={!canApprove || busy} onClick={() => setConfirm("modify")}>
                  Modify
                </Button>
                <Button variant="secondary" disabled={busy} onClick={() => (retryable ? setConfirm("retry") : void perform("retry"))}>
                  Retry
                </Button>
                <Button variant="secondary" disabled={busy} onClick={() => void perform("skip")}>
                  Skip
                </Button>
                <Button variant="danger" disabled={busy} onClick={() => setConfirm("reject")}>
                  Reject
                </Button>
              </>
            ) : null}
            {cancelVia ? (
              // Set apart from the gate's decisions: it ends the whole run.
              <Button variant="danger" className="sm:ml-auto" disabled={busy} onClick={() => setConfirm("cancel")}>
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
          next={context.data?.next ?? []}
          busy={busy}
          onCancel={() => setConfirm(null)}
          onConfirm={(c: ModifyChange) => void perform("modify", c.output, c.nextParams)}
        />
      ) : null}
      {confirm === "retry" && context.data ? (
        <RetryDialog stepId={gate.stepId} type={context.data.type} params={context.data.params} busy={busy} onCancel={() => setConfirm(null)} onConfirm={(p) => void perform("retry", p)} />
      ) : null}
      {confirm === "reject" ? (
        <Dialog label="Reject this gate?" onClose={() => setConfirm(null)}>
          <p className="text-sm text-slate-600">
            <span className="font-mono">{gate.stepId}</span> fails and the steps after it do not run.
          </p>
          <div className="mt-5 flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setConfirm(null)}>
              Back
            </Button>
            <Button variant="danger" disabled={busy} onClick={() => void perform("reject")}>
              Yes, reject
            </Button>
          </div>
        </Dialog>
      ) : null}
      {confirm === "cancel" ? (
        <Dialog label="Cancel this run?" onClose={() => setConfirm(null)}>
          <p className="text-sm text-slate-600">
            The run of <span className="font-medium">{run.workflow}</span> stops at this gate{cancelVia === "gate" ? " (recorded as the gate's decision)" : ""}.
          </p>
          <div className="mt-5 flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setConfirm(null)}>
              Keep running
            </Button>
            <Button variant="danger" disabled={busy} onClick={() => void cancel()}>
              Yes, cancel run
            </Button>
          </div>
        </Dialog>
      ) : null}
    </Card>
  );
}
