import type { RunStatus } from "./run-types";

/** Colour of the finished part: a failed run's finished steps are not all good news. */
const DONE_TONE: Record<RunStatus, string> = {
  queued: "bg-emerald-500",
  running: "bg-emerald-500",
  paused: "bg-amber-500",
  waiting_approval: "bg-emerald-500",
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  cancelled: "bg-slate-400",
};

/** `done/total` with a small bar; `running` is drawn as a lighter segment after the done part. */
export function ProgressBar({ done, total, running, label, status }: { done: number; total: number; running: number; label: string; status: RunStatus }) {
  const pct = total ? (done / total) * 100 : 0;
  const runPct = total ? (running / total) * 100 : 0;
  return (
    <div className="flex items-center gap-2">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        className="flex h-1.5 w-20 overflow-hidden rounded-full bg-slate-200"
      >
        <div className={`h-full ${DONE_TONE[status]}`} style={{ width: `${pct}%` }} />
        <div className="h-full bg-sky-400" style={{ width: `${runPct}%` }} />
      </div>
      <span className="tabular-nums text-xs text-slate-600">
        {done}/{total}
      </span>
    </div>
  );
}
