"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Card } from "~/components/ui/card";
import { useNow } from "~/features/shared/use-now";
import { usePermissions } from "~/features/shared/use-permissions";
import { useTRPC } from "~/trpc/react";
import { GatesTable } from "./gates-table";
import { BatchConfirmDialog, BatchResultsNote } from "./inbox-batch";
import { inboxRows, toggled, type InboxFilter, type InboxTab } from "./inbox-rows";
import { InboxToolbar } from "./inbox-toolbar";
import { useBatchDecision } from "./use-batch-decision";

const REFRESH_MS = 5000;

function Tabs({ tab, onTab }: { tab: InboxTab; onTab: (t: InboxTab) => void }) {
  return (
    <div role="tablist" aria-label="Gates" className="flex gap-1 border-b border-slate-200">
      {(["pending", "decided"] as const).map((t) => (
        <button
          key={t}
          type="button"
          role="tab"
          aria-selected={tab === t}
          onClick={() => onTab(t)}
          className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${tab === t ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-800"}`}
        >
          {t === "pending" ? "Pending" : "Decided"}
        </button>
      ))}
    </div>
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
  const { canDecide } = usePermissions();
  const now = useNow(true, 5000);
  const [tab, setTab] = useState<InboxTab>("pending");
  const [filter, setFilter] = useState<InboxFilter>({ workflow: "", minAge: 0, mine: false });
  const [open, setOpen] = useState<Set<string>>(new Set());
  const batch = useBatchDecision();
  const list = useQuery(trpc.approvals.list.queryOptions({ status: tab === "pending" ? "pending" : "decided" }, { refetchInterval: REFRESH_MS, staleTime: 0 }));

  const { workflows, rows } = inboxRows(list.data ?? [], tab, filter, now);
  const visibleSelected = rows.filter((a) => batch.selected.has(a.id));
  const selectable = tab === "pending" && canDecide;
  const asking = batch.asking;

  return (
    <div className="flex flex-col gap-4">
      <Tabs
        tab={tab}
        onTab={(t) => {
          setTab(t);
          batch.setSelected(new Set());
        }}
      />

      {batch.results ? <BatchResultsNote results={batch.results} /> : null}

      <Card>
        <InboxToolbar tab={tab} workflows={workflows} filter={filter} onFilter={setFilter} canDecide={canDecide} batch={batch} selectedCount={visibleSelected.length} />
        {list.error ? <Alert>{list.error.message}</Alert> : null}
        {!list.data ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : rows.length === 0 ? (
          <p className="text-sm text-slate-600">{tab === "pending" ? "No pending approvals." : "No decided gates."}</p>
        ) : (
          <GatesTable
            tab={tab}
            rows={rows}
            now={now}
            selection={selectable ? { selected: batch.selected, toggle: batch.toggle, setAll: (ids) => batch.setSelected(new Set(ids)) } : null}
            details={{ open, toggle: (id) => setOpen((prev) => toggled(prev, id)) }}
          />
        )}
      </Card>
      {asking ? (
        <BatchConfirmDialog
          action={asking}
          gates={visibleSelected}
          busy={batch.busy}
          onCancel={() => batch.setAsking(null)}
          onConfirm={() => void batch.decide(asking, visibleSelected)}
        />
      ) : null}
    </div>
  );
}
