"use client";
import Link from "next/link";
import { formatAge, spanOf } from "~/features/shared/format";
import { RunStatusBadge } from "~/features/shared/status-badge";
import { ProgressBar } from "./progress-bar";
import type { RunSummary } from "./run-types";

/** Table of run summaries; each row links to its run page. */
export function RunsTable({ runs, now, label = "Runs", showWorkflow = true }: { runs: RunSummary[]; now: number; label?: string; showWorkflow?: boolean }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-3">Run</th>
            {showWorkflow ? <th className="pr-3">Workflow</th> : null}
            <th className="pr-3">Status</th>
            <th className="pr-3">Progress</th>
            <th className="pr-3 text-right">Running</th>
            <th className="pr-3">Started by</th>
            <th className="pr-3">Age</th>
            <th className="text-right">Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} className="border-t border-slate-100 hover:bg-slate-50" data-testid="run-row">
              <td className="py-2 pr-3 font-mono text-xs">
                <Link className="text-brand-600 hover:underline" href={`/runs/${encodeURIComponent(r.id)}`} aria-label={`Run ${r.id} of ${r.workflow}`}>
                  {r.id.replace(/^run_/, "").slice(0, 10)}
                </Link>
              </td>
              {showWorkflow ? (
                <td className="pr-3 font-medium">
                  {r.workflow}
                  <span className="ml-1 text-xs font-normal text-slate-500">v{r.version}</span>
                </td>
              ) : null}
              <td className="pr-3">
                <RunStatusBadge status={r.status} />
              </td>
              <td className="pr-3">
                <ProgressBar done={r.progress.done} total={r.progress.total} running={r.progress.running} label={`Progress of ${r.id}`} status={r.status} />
              </td>
              <td className="pr-3 text-right tabular-nums">{r.progress.running}</td>
              <td className="max-w-48 truncate pr-3 text-slate-600">{r.startedBy ?? "—"}</td>
              <td className="whitespace-nowrap pr-3 text-slate-600" title={r.createdAt.toLocaleString()}>
                {formatAge(r.createdAt, now)}
              </td>
              <td className="whitespace-nowrap text-right tabular-nums text-slate-600">{spanOf(r.startedAt, r.finishedAt, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
