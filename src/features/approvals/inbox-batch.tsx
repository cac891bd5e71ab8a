"use client";
import { ConfirmDialog } from "~/components/ui/confirm-dialog";
import type { Approval } from "./approval-types";
import { gateName } from "./inbox-rows";
import type { BatchAction, BatchResults } from "./use-batch-decision";

/** What the last batch did: how many were decided, and each gate's outcome or refusal. */
export function BatchResultsNote({ results }: { results: BatchResults }) {
  const okCount = results.items.filter((r) => r.ok).length;
  const refused = results.items.filter((r) => !r.ok);
  return (
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
  );
}

/** "Approve 3 gates?" naming each gate, before a batch. */
export function BatchConfirmDialog({ action, gates, busy, onCancel, onConfirm }: { action: BatchAction; gates: readonly Approval[]; busy: boolean; onCancel: () => void; onConfirm: () => void }) {
  const n = gates.length;
  return (
    <ConfirmDialog
      title={`${action === "approve" ? "Approve" : "Reject"} ${n} gate${n === 1 ? "" : "s"}?`}
      confirmLabel={action === "approve" ? `Yes, approve ${n}` : `Yes, reject ${n}`}
      cancelLabel="Back"
      variant={action === "reject" ? "danger" : "primary"}
      busy={busy}
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      <p>{action === "approve" ? "Each gate is approved on its own (a gate needing more approvals records yours and waits):" : "Each of these steps fails and the steps after it do not run:"}</p>
      <ul aria-label="Selected gates" className="mt-2 max-h-48 list-disc overflow-auto pl-5 font-mono text-xs">
        {gates.map((a) => (
          <li key={a.id}>{gateName(a)}</li>
        ))}
      </ul>
    </ConfirmDialog>
  );
}
