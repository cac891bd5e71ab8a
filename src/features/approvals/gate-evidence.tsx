"use client";
import { ArtifactsList } from "~/features/shared/artifacts-list";
import { StepStatusBadge } from "~/features/shared/status-badge";
import { useStepLogs } from "~/features/shared/use-step-logs";
import type { Approval, GateContext, GateRun } from "./approval-types";
import { DecisionList } from "./decision-list";

const LOG_TAIL = 20;

function Heading({ children }: { children: string }) {
  return <h3 className="mb-1 text-sm font-semibold text-slate-700">{children}</h3>;
}

/** The held output and the tail of the gated step's log, side by side. */
function OutputAndLog({ run, gate }: { run: GateRun; gate: Approval }) {
  const { lines } = useStepLogs(run.id, gate.stepId, true);
  const tail = lines.slice(-LOG_TAIL);
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <div className="min-w-0">
        <Heading>Output under review</Heading>
        {gate.output === undefined || gate.output === null ? (
          <p className="text-sm text-slate-500">No output: this is a human stage.</p>
        ) : (
          <pre aria-label={`Output of ${gate.stepId} under review`} className="max-h-60 overflow-auto rounded bg-slate-50 p-3 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
            {JSON.stringify(gate.output, null, 2)}
          </pre>
        )}
      </div>
      <div className="min-w-0">
        <Heading>Log tail</Heading>
        <div role="log" aria-label={`Log tail of ${gate.stepId}`} className="max-h-60 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100">
          {tail.length === 0 ? <span className="text-slate-400">No log lines.</span> : null}
          {tail.map((l) => (
            <div key={l.seq} className={`whitespace-pre-wrap break-all ${l.stream === "stderr" ? "text-red-400" : l.stream === "system" ? "italic text-amber-300" : ""}`}>
              {l.text}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

/** The steps that wait on the gated one, and the decisions recorded so far. */
function NextAndDecisions({ run, gate }: { run: GateRun; gate: Approval }) {
  const next = run.steps.filter((s) => s.needs.includes(gate.stepId));
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <div>
        <Heading>Runs next</Heading>
        {next.length === 0 ? (
          <p className="text-sm text-slate-500">Nothing depends on this step.</p>
        ) : (
          <ul aria-label="Runs next" className="flex flex-wrap gap-2">
            {next.map((s) => (
              <li key={s.id} className="flex items-center gap-1.5 rounded border border-slate-200 px-2 py-1 text-sm">
                <span className="font-mono">{s.id}</span>
                <span className="text-slate-500">{s.type}</span>
                <StepStatusBadge status={s.status} />
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <Heading>Decisions so far</Heading>
        <DecisionList gate={gate} />
      </div>
    </div>
  );
}

/** What a reviewer reads before deciding: output, log tail, what runs next, decisions so far, artifacts. */
export function GateEvidence({ run, gate, context, contextError }: { run: GateRun; gate: Approval; context: GateContext | undefined; contextError: string | null }) {
  return (
    <>
      <OutputAndLog run={run} gate={gate} />
      <NextAndDecisions run={run} gate={gate} />
      <div>
        <Heading>Artifacts</Heading>
        {context ? (
          <ArtifactsList runId={run.id} stepId={gate.stepId} attempt={context.artifacts.attempt} items={context.artifacts.items} />
        ) : (
          <p className="text-xs text-slate-500">{contextError !== null ? `Could not load: ${contextError}` : "Loading…"}</p>
        )}
      </div>
    </>
  );
}
