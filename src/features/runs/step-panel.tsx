"use client";
import { useQuery } from "@tanstack/react-query";
import { Button } from "~/components/ui/button";
import { ArtifactsList } from "~/features/shared/artifacts-list";
import { formatTime, spanOf } from "~/features/shared/format";
import { StepStatusBadge } from "~/features/shared/status-badge";
import { useTRPC } from "~/trpc/react";
import { isStepFinished } from "./run-status";
import type { RunStep } from "./run-types";
import { StepLogs } from "./step-logs";

function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre aria-label={label} className="max-h-72 overflow-auto rounded bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-800 ring-1 ring-slate-200">
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** Files the step's latest attempt left in $WF_ARTIFACTS (refreshed while the step is active). */
function StepArtifacts({ runId, step, active }: { runId: string; step: RunStep; active: boolean }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.runs.artifacts.queryOptions({ id: runId, stepId: step.id }, { enabled: step.attempt > 0, staleTime: 0, refetchInterval: active ? 2000 : false }));
  return (
    <div>
      <h3 className="mb-1 text-sm font-semibold text-slate-700">Artifacts{q.data && q.data.attempt > 0 ? ` (attempt ${q.data.attempt})` : ""}</h3>
      {step.attempt === 0 ? (
        <p className="text-xs text-slate-500">Not started yet.</p>
      ) : q.data ? (
        <ArtifactsList runId={runId} stepId={step.id} attempt={q.data.attempt} items={q.data.items} />
      ) : (
        <p className="text-xs text-slate-500">{q.error ? `Could not load: ${q.error.message}` : "Loading…"}</p>
      )}
    </div>
  );
}

/** Everything about one step: output, error, artifacts, attempts and its (followed) log. */
export function StepPanel({ runId, step, now, onClose }: { runId: string; step: RunStep; now: number; onClose: () => void }) {
  const active = !isStepFinished(step.status);
  return (
    <section aria-label={`Step ${step.id}`} className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex items-center justify-between gap-2 border-b border-slate-100 px-4 py-3">
        <div className="flex min-w-0 items-center gap-2">
          <h2 className="truncate font-mono text-base font-semibold">{step.id}</h2>
          <StepStatusBadge status={step.status} />
          <span className="text-xs text-slate-500">{step.type}</span>
        </div>
        <Button variant="ghost" onClick={onClose} aria-label="Close step details">
          ✕
        </Button>
      </header>
      <div className="flex flex-col gap-4 p-4 text-sm">
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-xs">
          <dt className="text-slate-500">Attempt</dt>
          <dd className="tabular-nums">{step.attempt}</dd>
          <dt className="text-slate-500">Started</dt>
          <dd>{formatTime(step.startedAt)}</dd>
          <dt className="text-slate-500">Finished</dt>
          <dd>{formatTime(step.finishedAt)}</dd>
          <dt className="text-slate-500">Duration</dt>
          <dd className="tabular-nums">{spanOf(step.startedAt, step.finishedAt, now)}</dd>
          {step.needs.length ? (
            <>
              <dt className="text-slate-500">Needs</dt>
              <dd className="font-mono">{step.needs.join(", ")}</dd>
            </>
          ) : null}
          {step.reason ? (
            <>
              <dt className="text-slate-500">Reason</dt>
              <dd>{step.reason}</dd>
            </>
          ) : null}
        </dl>
        {step.error ? (
          <div className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-800" aria-label={`Error of ${step.id}`}>
            <p className="font-medium">Error</p>
            <p className="whitespace-pre-wrap break-words" data-testid="step-error">
              {step.error.message}
            </p>
            {step.error.code || step.error.exit_code !== undefined ? (
              <p className="mt-1 text-xs">
                {step.error.code ? <>code <span className="font-mono">{step.error.code}</span></> : null}
                {step.error.code && step.error.exit_code !== undefined ? " · " : null}
                {step.error.exit_code !== undefined ? <>exit code <span className="font-mono">{step.error.exit_code}</span></> : null}
              </p>
            ) : null}
          </div>
        ) : null}
        <div>
          <h3 className="mb-1 text-sm font-semibold text-slate-700">Output</h3>
          {step.output === undefined || step.output === null ? (
            <p className="text-xs text-slate-500">{active ? "No output yet." : "No output."}</p>
          ) : (
            <Json value={step.output} label={`Output of ${step.id}`} />
          )}
        </div>
        <StepArtifacts runId={runId} step={step} active={active} />
        <div>
          <h3 className="mb-1 text-sm font-semibold text-slate-700">Attempts</h3>
          {step.attempts.length === 0 ? (
            <p className="text-xs text-slate-500">Not started yet.</p>
          ) : (
            <table className="w-full text-left text-xs" aria-label={`Attempts of ${step.id}`}>
              <thead className="uppercase text-slate-500">
                <tr>
                  <th className="py-1 pr-2">#</th>
                  <th className="pr-2">Status</th>
                  <th className="pr-2">Worker</th>
                  <th className="pr-2">Started</th>
                  <th className="pr-2 text-right">Duration</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {step.attempts.map((a) => (
                  <tr key={a.attempt} className="border-t border-slate-100 align-top">
                    <td className="py-1 pr-2 tabular-nums">{a.attempt}</td>
                    <td className="py-1 pr-2">{a.status.replace(/_/g, " ")}</td>
                    <td className="max-w-28 truncate py-1 pr-2 font-mono" title={a.worker ?? undefined}>
                      {a.worker ?? "—"}
                    </td>
                    <td className="whitespace-nowrap py-1 pr-2" title={`finished ${formatTime(a.finishedAt)}`}>
                      {a.startedAt.toLocaleTimeString()}
                    </td>
                    <td className="whitespace-nowrap py-1 pr-2 text-right tabular-nums">{spanOf(a.startedAt, a.finishedAt, now)}</td>
                    <td className="break-words py-1 text-red-700">{a.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <StepLogs runId={runId} stepId={step.id} active={active} />
      </div>
    </section>
  );
}
