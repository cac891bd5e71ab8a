/** `done/total` with a small bar; `running` is drawn as a lighter segment after the done part. */
export function ProgressBar({ done, total, running, label }: { done: number; total: number; running: number; label: string }) {
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
        <div className="h-full bg-emerald-500" style={{ width: `${pct}%` }} />
        <div className="h-full bg-sky-400" style={{ width: `${runPct}%` }} />
      </div>
      <span className="tabular-nums text-xs text-slate-600">
        {done}/{total}
      </span>
    </div>
  );
}
