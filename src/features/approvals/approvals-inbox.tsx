"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { SelectField } from "~/components/ui/field";
import { formatAge, formatDuration, formatTime } from "~/features/runs/format";
import { useNow } from "~/features/runs/use-now";
import { usePermissions } from "~/features/runs/use-permissions";
import { useTRPC } from "~/trpc/react";
import { expiresIn, isPending, type Approval, type BatchResult } from "./approval-types";

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

function RunLink({ a }: { a: Approval }) {
  return (
    <Link className="font-mono text-xs text-brand-600 hover:underline" href={`/runs/${encodeURIComponent(a.runId)}`}>
      {a.runId}
    </Link>
  );
}

/**
 * The inbox: pending gates across the team's runs with who may decide, filters, and batch approve /
 * reject (each gate decided on its own by the server; refusals come back with their reason). The
 * "Decided" tab lists the recent decisions.
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
              <li key={r.id} data-ok={r.ok} className={r.ok ? "text-emerald-800" : "text-red-800"}>
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
              <Button disabled={visibleSelected.length === 0 || batch.isPending} onClick={() => void decideSelected("approve")}>
                Approve selected
              </Button>
              <Button variant="danger" disabled={visibleSelected.length === 0 || batch.isPending} onClick={() => void decideSelected("reject")}>
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
                      <th>Decided</th>
                    </>
                  )}
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.id} data-testid="gate-row" data-run={a.runId} className="border-t border-slate-100 align-top hover:bg-slate-50">
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
                        <td className="py-2 pr-3" data-testid="gate-outcome">
                          {a.status}
                        </td>
                        <td className="py-2 pr-3">{a.decidedBy ?? "—"}</td>
                        <td className="whitespace-nowrap py-2" title={formatTime(a.decidedAt)}>
                          {a.decidedAt ? formatAge(a.decidedAt, now) : "—"}
                        </td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
