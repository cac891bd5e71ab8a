"use client";
import { useEffect, useRef } from "react";
import { useStepLogs } from "~/features/shared/use-step-logs";

export function StepLogs({ runId, stepId, active }: { runId: string; stepId: string; active: boolean }) {
  const { lines, done, error } = useStepLogs(runId, stepId, active);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    // Follow the tail unless the reader scrolled up to read something.
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  const multiAttempt = new Set(lines.map((l) => l.attempt)).size > 1;
  return (
    <div>
      <div className="mb-1 flex items-center justify-between">
        <h3 className="text-sm font-semibold text-slate-700">Logs</h3>
        <span className="text-xs text-slate-500">{done ? `${lines.length} line${lines.length === 1 ? "" : "s"}` : "following…"}</span>
      </div>
      {error ? <p className="mb-1 text-xs text-red-600">Logs could not be loaded: {error}</p> : null}
      <div
        ref={box}
        role="log"
        aria-label={`Logs of ${stepId}`}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        className="max-h-80 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100"
      >
        {lines.length === 0 ? <span className="text-slate-400">{done ? "No output." : "Waiting for output…"}</span> : null}
        {lines.map((l) => (
          <div key={l.seq} data-stream={l.stream} className={`whitespace-pre-wrap break-all ${l.stream === "stderr" ? "text-red-400" : l.stream === "system" ? "italic text-amber-300" : ""}`}>
            {multiAttempt ? <span className="mr-2 select-none text-slate-500">#{l.attempt}</span> : null}
            {l.text}
          </div>
        ))}
      </div>
    </div>
  );
}
