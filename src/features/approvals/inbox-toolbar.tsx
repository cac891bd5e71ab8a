"use client";
import { Button } from "~/components/ui/button";
import { SelectField } from "~/components/ui/field";
import type { InboxFilter, InboxTab } from "./inbox-rows";
import type { BatchDecision } from "./use-batch-decision";

const AGES = [
  { value: "0", label: "Any age" },
  { value: String(5 * 60_000), label: "Older than 5 min" },
  { value: String(3_600_000), label: "Older than 1 h" },
  { value: String(86_400_000), label: "Older than 1 d" },
] as const;

/** The inbox's filters (workflow, age, "I can decide") and, for deciders, the batch comment and buttons. */
export function InboxToolbar({
  tab,
  workflows,
  filter,
  onFilter,
  canDecide,
  batch,
  selectedCount,
}: {
  tab: InboxTab;
  workflows: readonly string[];
  filter: InboxFilter;
  onFilter: (f: InboxFilter) => void;
  canDecide: boolean;
  batch: BatchDecision;
  selectedCount: number;
}) {
  return (
    <div className="mb-4 flex flex-wrap items-end gap-4">
      <SelectField id="filter-workflow" label="Workflow" value={filter.workflow} onChange={(e) => onFilter({ ...filter, workflow: e.target.value })}>
        <option value="">All workflows</option>
        {workflows.map((w) => (
          <option key={w} value={w}>
            {w}
          </option>
        ))}
      </SelectField>
      <SelectField id="filter-age" label="Age" value={String(filter.minAge)} onChange={(e) => onFilter({ ...filter, minAge: Number(e.target.value) })}>
        {AGES.map((a) => (
          <option key={a.value} value={a.value}>
            {a.label}
          </option>
        ))}
      </SelectField>
      {tab === "pending" ? (
        <label className="flex items-center gap-2 pb-1.5 text-sm">
          <input type="checkbox" checked={filter.mine} onChange={(e) => onFilter({ ...filter, mine: e.target.checked })} />I can decide
        </label>
      ) : null}
      {tab === "pending" && canDecide ? (
        <div className="ml-auto flex flex-wrap items-end gap-2">
          <input
            aria-label="Batch comment"
            placeholder="Comment (optional)"
            value={batch.comment}
            onChange={(e) => batch.setComment(e.target.value)}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm"
          />
          <Button disabled={selectedCount === 0 || batch.busy} onClick={() => batch.setAsking("approve")}>
            Approve selected
          </Button>
          <Button variant="danger" disabled={selectedCount === 0 || batch.busy} onClick={() => batch.setAsking("reject")}>
            Reject selected
          </Button>
        </div>
      ) : null}
    </div>
  );
}
