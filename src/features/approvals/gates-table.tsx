"use client";
import Link from "next/link";
import { Fragment } from "react";
import { formatAge, formatDuration, formatTime } from "~/features/shared/format";
import { expiresIn, type Approval } from "./approval-types";
import { DecisionList, OutcomeBadge } from "./decision-list";
import { gateName, type InboxTab } from "./inbox-rows";

/** Selection of rows for a batch; absent when the caller may not decide (no checkboxes). */
type Selection = { selected: ReadonlySet<string>; toggle: (id: string, on: boolean) => void; setAll: (ids: string[]) => void };
/** Decided gates whose decisions are shown (kept by the inbox across tab switches). */
type Details = { open: ReadonlySet<string>; toggle: (id: string) => void };

function RunLink({ a }: { a: Approval }) {
  return (
    <Link className="font-mono text-xs text-brand-600 hover:underline" href={`/runs/${encodeURIComponent(a.runId)}`}>
      {a.runId}
    </Link>
  );
}

function PendingCells({ a, now }: { a: Approval; now: number }) {
  return (
    <>
      <td className="whitespace-nowrap py-2 pr-3 tabular-nums" title={formatTime(a.requestedAt)}>
        {formatDuration(now - a.requestedAt.getTime())}
      </td>
      <td className="whitespace-nowrap py-2 pr-3">{expiresIn(a.expiresAt, now, formatDuration)}</td>
      <td className="py-2 pr-3">{a.startedBy ?? "—"}</td>
      <td className="max-w-72 py-2 text-xs" data-testid="can-decide">
        {a.canDecide.ok ? <span className="text-emerald-700">Yes</span> : <span className="text-slate-600">No: {a.canDecide.reason}</span>}
      </td>
    </>
  );
}

function DecidedCells({ a, now, open, onToggle }: { a: Approval; now: number; open: boolean; onToggle: () => void }) {
  return (
    <>
      <td className="py-2 pr-3">
        <OutcomeBadge status={a.status} />
      </td>
      <td className="py-2 pr-3">{a.decidedBy ?? "—"}</td>
      <td className="whitespace-nowrap py-2 pr-3" title={formatTime(a.decidedAt)}>
        {a.decidedAt ? formatAge(a.decidedAt, now) : "—"}
      </td>
      <td className="py-2">
        <button type="button" className="text-xs text-brand-600 hover:underline" aria-expanded={open} aria-label={`Details of ${gateName(a)}`} onClick={onToggle}>
          {open ? "Hide" : "Details"}
        </button>
      </td>
    </>
  );
}

function HeaderRow({ tab, rows, selection }: { tab: InboxTab; rows: readonly Approval[]; selection: Selection | null }) {
  const selectedShown = selection ? rows.filter((a) => selection.selected.has(a.id)).length : 0;
  return (
    <tr>
      {selection ? (
        <th className="w-8 py-2">
          <input type="checkbox" aria-label="Select all" checked={rows.length > 0 && selectedShown === rows.length} onChange={(e) => selection.setAll(e.target.checked ? rows.map((a) => a.id) : [])} />
        </th>
      ) : null}
      <th className="py-2 pr-3">Workflow</th>
      <th className="pr-3">Run</th>
      <th className="pr-3">Step</th>
      {tab === "pending" ? (
        <>
          <th className="pr-3">Waiting</th>
          <th className="pr-3">Expires</th>
          <th className="pr-3">Started by</th>
          <th>Can I decide?</th>
        </>
      ) : (
        <>
          <th className="pr-3">Outcome</th>
          <th className="pr-3">Decided by</th>
          <th className="pr-3">Decided</th>
          <th>
            <span className="sr-only">Details</span>
          </th>
        </>
      )}
    </tr>
  );
}

/**
 * The inbox's gates: pending ones with how long they waited, expiry, starter and "Can I decide?"
 * (with a checkbox each for a batch); decided ones with outcome, decider, age, and on opening a row
 * every decision with its comment, form values and diffs.
 */
export function GatesTable({ tab, rows, now, selection, details }: { tab: InboxTab; rows: readonly Approval[]; now: number; selection: Selection | null; details: Details }) {
  const { open } = details;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={tab === "pending" ? "Pending gates" : "Decided gates"}>
        <thead className="text-xs uppercase text-slate-500">
          <HeaderRow tab={tab} rows={rows} selection={selection} />
        </thead>
        <tbody>
          {rows.map((a) => (
            <Fragment key={a.id}>
              <tr data-testid="gate-row" data-run={a.runId} className="border-t border-slate-100 align-top hover:bg-slate-50">
                {selection ? (
                  <td className="py-2">
                    <input type="checkbox" aria-label={`Select ${gateName(a)}`} checked={selection.selected.has(a.id)} onChange={(e) => selection.toggle(a.id, e.target.checked)} />
                  </td>
                ) : null}
                <td className="py-2 pr-3 font-medium">{a.workflow}</td>
                <td className="py-2 pr-3">
                  <RunLink a={a} />
                </td>
                <td className="py-2 pr-3 font-mono">
                  {a.stepId}
                  {a.attempt > 1 ? <span className="text-slate-500"> #{a.attempt}</span> : null}
                </td>
                {tab === "pending" ? <PendingCells a={a} now={now} /> : <DecidedCells a={a} now={now} open={open.has(a.id)} onToggle={() => details.toggle(a.id)} />}
              </tr>
              {tab === "decided" && open.has(a.id) ? (
                <tr data-testid="gate-details" className="border-t border-slate-50">
                  <td colSpan={6} className="pb-3 pt-1">
                    <DecisionList gate={a} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
