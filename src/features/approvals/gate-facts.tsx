import type { ReactNode } from "react";
import { formatDuration, formatTime } from "~/features/shared/format";
import { expiresIn, type Approval } from "./approval-types";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-sm">{children}</dd>
    </div>
  );
}

/** The gate at a glance: step and attempt, who started the run, how long it waited, expiry, quorum, deciders. */
export function GateFacts({ gate, now, deciders }: { gate: Approval; now: number; deciders: string }) {
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-6">
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
        <span data-testid="gate-approvals">
          {gate.approvals.count} of {gate.approvals.needed}
        </span>
      </Field>
      <Field label="Who may decide">
        <span data-testid="gate-deciders">{deciders || "—"}</span>
        {gate.deciders.escalated ? <span className="text-slate-500"> (escalated)</span> : null}
      </Field>
    </dl>
  );
}
