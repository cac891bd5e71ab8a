"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useState } from "react";
import { Button } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/confirm-dialog";
import { Alert, Card } from "~/components/ui/card";
import { SelectField } from "~/components/ui/field";
import { formatAge, formatDuration, formatTime } from "~/features/shared/format";
import { useNow } from "~/features/shared/use-now";
import { usePermissions } from "~/features/shared/use-permissions";
import { useTRPC } from "~/trpc/react";
import { expiresIn, isPending, type Approval, type BatchResult } from "./approval-types";
import { DecisionList, OutcomeBadge } from "./decision-list";

const REFRESH_MS = 5000;
const AGES = [
  { value: "0", label: "Any age" },
  { value: String(5 * 60_000), label: "Older than 5 min" },
  { value: String(3_600_000), label: "Older than 1 h" },
  { value: String(86_400_000), label: "Older than 1 d" },
] as const;

type Tab = "pending" | "decided";

function gateName(a: Pick<Approval, "workflow" | "stepId" | "runId">): string {
  return `${a.workflow} / ${a.stepId} (${a.runId})`;
}

/** The set with `id` added, or removed when it was there. */
function toggled(set: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(set);
  if (!next.delete(id)) next.add(id);
  return next;
}

function RunLink({ a }: { a: Approval }) {
  return (
    <Link className="font-mono text-xs text-brand-600 hover:underline" href={`/runs/${encodeURIComponent(a.runId)}`}>
      {a.runId}
    </Link>
  );
}

/**
 * The inbox: pending gates across the team's runs with who may decide, filters, and batch approve /
 * reject after a confirmation naming the gates (each gate decided on its own by the server;
 * refusals come back with their reason). The "Decided" tab lists the team's decided gates: outcome
 * (a rejection in red), who decided, and on opening a row every decision with its comment, form
 * values and diffs.
 */
export function ApprovalsInbox() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { canDecide } = usePermissions();
  const now = useNow(true, 5000);
  const [tab, setTab] = useState<Tab>("pending");
  const [workflow, setWorkflow] = useState("");
  const [minAge, setMinAge] = useState("0");
  const [mine, setMine] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // Names are kept with the results: decided gates leave the pending list the moment it refreshes.
  const [results, setResults] = useState<{ action: "approve" | "reject"; items: (BatchResult & { name: string })[] } | null>(null);
  const [comment, setComment] = useState("");
  const [asking, setAsking] = useState<"approve" | "reject" | null>(null);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const list = useQuery(trpc.approvals.list.queryOptions({ status: tab === "pending" ? "pending" : "decided" }, { refetchInterval: REFRESH_MS, staleTime: 0 }));
  const batch = useMutation(
    trpc.approvals.decideMany.mutationOptions({
      onSettled: () => void qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() }),
    }),
  );

  const all = (list.data ?? []).filter((a) => (tab === "pending" ? isPending(a) : !isPending(a)));
  const workflows = [...new Set(all.map((a) => a.workflow))].sort();
  const rows = all.filter(
    (a) => (!workflow || a.workflow === workflow) && now - a.requestedAt.getTime() >= Number(minAge) && (!mine || a.canDecide.ok),
  );
  const visibleSelected = rows.filter((a) => selected.has(a.id));

  function toggle(id: string, on: boolean) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  async function decideSelected(action: "approve" | "reject") {
    setAsking(null);
    const ids = visibleSelected.map((a) => a.id);
    if (ids.length === 0) return;
    const names = new Map(visibleSelected.map((a) => [a.id, gateName(a)]));
    const named = (r: BatchResult) => ({ ...r, name: names.get(r.id) ?? r.id });
    try {
      const items = await batch.mutateAsync({ ids, action, ...(comment.trim() ? { comment: comment.trim() } : {}) });
      setResults({ action, items: items.map(named) });
      setSelected(new Set());
      setComment("");
    } catch (e) {
      setResults({ action, items: ids.map((id) => named({ id, ok: false, error: { code: "ERROR", message: e instanceof Error ? e.message : String(e) } })) });
    }
  }

  const okCount = results?.items.filter((r) => r.ok).length ?? 0;
  const refused = results?.items.filter((r) => !r.ok) ?? [];

  return (
    <div className="flex flex-col gap-4">
      <div role="tablist" aria-label="Gates" className="flex gap-1 border-b border-slate-200">
        {(["pending", "decided"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => {
              setTab(t);
              setSelected(new Set());
            }}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${tab === t ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-800"}`}
          >
            {t === "pending" ? "Pending" : "Decided"}
          </button>
        ))}
      </div>

      {results ? (
        <div role="status" aria-label="Batch results" className="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm">
          <p className="font-medium">
            {results.action === "approve" ? "Approved" : "Rejected"} {okCount} of {results.items.length}
            {refused.length ? `; ${refused.length} refused` : ""}.
          </p>
          <ul className="mt-1 flex flex-col gap-0.5">
            {results.items.map((r) => (
              <li key={r.id} data-ok={r.ok} className={r.ok && results.action === "approve" ? "text-emerald-800" : r.ok ? "text-slate-800" : "text-red-800"}>
                {r.name}: {r.ok ? (r.status ?? "done") : `refused: ${r.error?.message ?? "unknown error"}`}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <Card>
        <div className="mb-4 flex flex-wrap items-end gap-4">
          <SelectField id="filter-workflow" label="Workflow" value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
            <option value="">All workflows</option>
            {workflows.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </SelectField>
          <SelectField id="filter-age" label="Age" value={minAge} onChange={(e) => setMinAge(e.target.value)}>
            {AGES.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </SelectField>
          {tab === "pending" ? (
            <label className="flex items-center gap-2 pb-1.5 text-sm">
              <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} />I can decide
            </label>
          ) : null}
          {tab === "pending" && canDecide ? (
            <div className="ml-auto flex flex-wrap items-end gap-2">
              <input
                aria-label="Batch comment"
                placeholder="Comment (optional)"
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                className="rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm"
              />
              <Button disabled={visibleSelected.length === 0 || batch.isPending} onClick={() => setAsking("approve")}>
                Approve selected
              </Button>
              <Button variant="danger" disabled={visibleSelected.length === 0 || batch.isPending} onClick={() => setAsking("reject")}>
                Reject selected
              </Button>
            </div>
          ) : null}
        </div>
        {list.error ? <Alert>{list.error.message}</Alert> : null}
        {!list.data ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : rows.length === 0 ? (
          <p className="text-sm text-slate-600">{tab === "pending" ? "No pending approvals." : "No decided gates."}</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label={tab === "pending" ? "Pending gates" : "Decided gates"}>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  {tab === "pending" && canDecide ? (
                    <th className="w-8 py-2">
                      <input
                        type="checkbox"
                        aria-label="Select all"
                        checked={rows.length > 0 && visibleSelected.length === rows.length}
                        onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((a) => a.id)) : new Set())}
                      />
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
              </thead>
              <tbody>
                {rows.map((a) => (
                  <Fragment key={a.id}>
                  <tr data-testid="gate-row" data-run={a.runId} className="border-t border-slate-100 align-top hover:bg-slate-50">
                    {tab === "pending" && canDecide ? (
                      <td className="py-2">
                        <input type="checkbox" aria-label={`Select ${gateName(a)}`} checked={selected.has(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} />
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
                    {tab === "pending" ? (
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
                    ) : (
                      <>
                        <td className="py-2 pr-3">
                          <OutcomeBadge status={a.status} />
                        </td>
                        <td className="py-2 pr-3">{a.decidedBy ?? "—"}</td>
                        <td className="whitespace-nowrap py-2 pr-3" title={formatTime(a.decidedAt)}>
                          {a.decidedAt ? formatAge(a.decidedAt, now) : "—"}
                        </td>
                        <td className="py-2">
                          <button
                            type="button"
                            className="text-xs text-brand-600 hover:underline"
                            aria-expanded={open.has(a.id)}
                            aria-label={`Details of ${gateName(a)}`}
                            onClick={() => setOpen((prev) => toggled(prev, a.id))}
                          >
                            {open.has(a.id) ? "Hide" : "Details"}
                          </button>
                        </td>
                      </>
                    )}
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
        )}
      </Card>
      {asking ? (
        <ConfirmDialog
          title={`${asking === "approve" ? "Approve" : "Reject"} ${visibleSelected.length} gate${visibleSelected.length === 1 ? "" : "s"}?`}
          confirmLabel={asking === "approve" ? `Yes, approve ${visibleSelected.length}` : `Yes, reject ${visibleSelected.length}`}
          cancelLabel="Back"
          variant={asking === "reject" ? "danger" : "primary"}
          busy={batch.isPending}
          onCancel={() => setAsking(null)}
          onConfirm={() => void decideSelected(asking)}
        >
          <p>
            {asking === "approve" ? "Each gate is approved on its own (a gate needing more approvals records yours and waits):" : "Each of these steps fails and the steps after it do not run:"}
          </p>
          <ul aria-label="Selected gates" className="mt-2 max-h-48 list-disc overflow-auto pl-5 font-mono text-xs">
            {visibleSelected.map((a) => (
              <li key={a.id}>{gateName(a)}</li>
            ))}
          </ul>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
