"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type ReactNode } from "react";
import { Alert, Card, type AlertMessage } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";
import { DecidedGates } from "~/features/approvals/decided-gates";
import { GatePanel } from "~/features/approvals/gate-panel";
import { formatTime, spanOf } from "~/features/shared/format";
import { RunStatusBadge, StepStatusBadge } from "~/features/shared/status-badge";
import { statusLabel } from "~/features/shared/status-style";
import { useNow } from "~/features/shared/use-now";
import { usePermissions } from "~/features/shared/use-permissions";
import { useTRPC } from "~/trpc/react";
import { ProgressBar } from "./progress-bar";
import { RunControls } from "./run-controls";
import { RunGraph } from "./run-graph";
import { isRunLive } from "./run-status";
import type { Run } from "./run-types";
import { StepPanel } from "./step-panel";

const REFRESH_MS = 1000;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 truncate text-sm">{children}</dd>
    </div>
  );
}

function RunHeader({ run, now }: { run: Run; now: number }) {
  return (
    <Card>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
        <Field label="Workflow">
          <Link className="font-medium text-brand-600 hover:underline" href={`/workflows/${encodeURIComponent(run.workflow)}`}>
            {run.workflow}@v{run.version}
          </Link>
        </Field>
        <Field label="Status">
          <RunStatusBadge status={run.status} />
        </Field>
        <Field label="Progress">
          <ProgressBar done={run.progress.done} total={run.progress.total} running={run.progress.running} label="Run progress" status={run.status} />
        </Field>
        <Field label="Approval mode">{run.approvalMode}</Field>
        <Field label="Started by">{run.startedBy ?? "—"}</Field>
        <Field label="Created">{formatTime(run.createdAt)}</Field>
        <Field label="Started">{formatTime(run.startedAt)}</Field>
        <Field label="Finished">{formatTime(run.finishedAt)}</Field>
        <Field label="Duration">
          <span className="tabular-nums">{spanOf(run.startedAt, run.finishedAt, now)}</span>
        </Field>
        {run.parentRunId ? (
          <Field label="Parent run">
            <Link className="font-mono text-brand-600 hover:underline" href={`/runs/${encodeURIComponent(run.parentRunId)}`}>
              {run.parentRunId}
            </Link>
          </Field>
        ) : null}
      </dl>
      {run.reason ? (
        <p className="mt-4 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="run-reason">
          <span className="font-medium">Reason: </span>
          {run.reason}
        </p>
      ) : null}
      {Object.keys(run.inputs).length ? (
        <details className="mt-4 text-sm">
          <summary className="cursor-pointer text-slate-600">Inputs</summary>
          <pre aria-label="Run inputs" className="mt-2 overflow-auto rounded bg-slate-50 p-3 font-mono text-xs ring-1 ring-slate-200">
            {JSON.stringify(run.inputs, null, 2)}
          </pre>
        </details>
      ) : null}
    </Card>
  );
}

function StepsTable({ run, now, selected, onSelect }: { run: Run; now: number; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label="Steps">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-3">Step</th>
            <th className="pr-3">Status</th>
            <th className="pr-3">Type</th>
            <th className="pr-3 text-right">Attempt</th>
            <th className="pr-3 text-right">Duration</th>
            <th>Reason / error</th>
          </tr>
        </thead>
        <tbody>
          {run.steps.map((s) => (
            <tr key={s.id} data-testid="step-row" data-step={s.id} className={`border-t border-slate-100 align-top ${selected === s.id ? "bg-brand-50" : "hover:bg-slate-50"}`}>
              <td className="py-2 pr-3">
                <button type="button" className="font-mono font-medium text-brand-600 hover:underline" aria-pressed={selected === s.id} onClick={() => onSelect(s.id)}>
                  {s.id}
                </button>
              </td>
              <td className="py-2 pr-3">
                <StepStatusBadge status={s.status} />
              </td>
              <td className="py-2 pr-3 text-slate-600">{s.type}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{s.attempt}</td>
              <td className="whitespace-nowrap py-2 pr-3 text-right tabular-nums">{spanOf(s.startedAt, s.finishedAt, now)}</td>
              <td className="max-w-72 py-2 text-xs">
                {s.error ? <span className="text-red-700">{s.error.message}</span> : <span className="text-slate-600">{s.reason ?? ""}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A run, refreshed every second until it is finished, with its steps and the selected step's details. */
export function RunDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { canControl, canDecide, loaded } = usePermissions();
  const [result, setResult] = useState<AlertMessage | null>(null);
  const run = useQuery(
    trpc.runs.get.queryOptions(
      { id },
      { staleTime: 0, refetchInterval: (q) => (q.state.data && !isRunLive(q.state.data.status) ? false : REFRESH_MS) },
    ),
  );
  const live = run.data ? isRunLive(run.data.status) : false;
  // Pending gates of this run (the server lists newest first); polled while the run is live.
  const gates = useQuery(
    trpc.approvals.list.queryOptions({ runId: id, status: "pending" }, { staleTime: 0, refetchInterval: live ? REFRESH_MS * 2 : false, enabled: Boolean(run.data) }),
  );
  const now = useNow(live);
  const selectedId = params.get("step");

  function select(stepId: string | null) {
    const next = new URLSearchParams(params.toString());
    if (stepId) next.set("step", stepId);
    else next.delete("step");
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  }

  if (run.error && !run.data) return <Alert>{run.error.message}</Alert>;
  if (!run.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const r = run.data;
  const selected = r.steps.find((s) => s.id === selectedId) ?? null;
  const gate = live ? (gates.data?.[0] ?? null) : null;
  return (
    <>
      <PageTitle
        title={`Run of ${r.workflow}`}
        subtitle={`${r.id} · ${statusLabel(r.status)}${live ? " · refreshing every second" : ""}`}
        actions={
          canControl ? (
            <RunControls run={r} onResult={setResult} withoutCancel={gate !== null} />
          ) : loaded && !(gate && canDecide) ? (
            <span className="text-xs text-slate-500" data-testid="read-only">
              Read-only: your role may view runs, not control them.
            </span>
          ) : null
        }
      />
      <div className="flex flex-col gap-6">
        {result ? <Alert kind={result.kind}>{result.text}</Alert> : null}
        {run.error ? <Alert>Refresh failed: {run.error.message}</Alert> : null}
        {gate ? <GatePanel key={gate.id} run={r} gate={gate} now={now} mayDecide={canDecide} onResult={setResult} /> : null}
        <RunHeader run={r} now={now} />
        <DecidedGates runId={r.id} live={live} />
        <div className="grid gap-6 lg:grid-cols-5">
          <div className={`flex flex-col gap-6 ${selected ? "lg:col-span-3" : "lg:col-span-5"}`}>
            <Card title="Steps">
              {r.steps.length === 0 ? <p className="text-sm text-slate-500">No steps yet.</p> : <StepsTable run={r} now={now} selected={selected?.id ?? null} onSelect={select} />}
            </Card>
            {r.steps.length > 1 ? (
              <Card title="Graph">
                <RunGraph steps={r.steps} selected={selected?.id ?? null} onSelect={select} />
              </Card>
            ) : null}
          </div>
          {selected ? (
            <div className="lg:col-span-2">
              <StepPanel key={selected.id} runId={r.id} step={selected} now={now} onClose={() => select(null)} />
            </div>
          ) : null}
        </div>
      </div>
    </>
  );
}
