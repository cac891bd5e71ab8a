"use client";
import { formatTime } from "~/features/shared/format";
import { lineDiff } from "~/features/shared/line-diff";
import { GATE_ACTION_RULES, TONE_CLASS, actionOfStatus, type Approval, type Decision, type GateAction, type Tone } from "./approval-types";

const pretty = (v: unknown) => JSON.stringify(v ?? null, null, 2);

function toneOfAction(action: string): Tone {
  return (Object.hasOwn(GATE_ACTION_RULES, action) ? GATE_ACTION_RULES[action as GateAction].tone : "neutral") as Tone;
}

/** A small coloured label: green for passing, grey for neutral, red for failing outcomes. */
export function ToneBadge({ tone, children, testId }: { tone: Tone; children: string; testId?: string }) {
  return (
    <span data-testid={testId} data-tone={tone} className={`inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE_CLASS[tone]}`}>
      {children}
    </span>
  );
}

/** Old vs new as a line diff (red removed, green added). */
function Diff({ label, before, after }: { label: string; before: unknown; after: unknown }) {
  const lines = lineDiff(pretty(before), pretty(after));
  return (
    <pre aria-label={label} className="mt-1 max-h-60 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs ring-1 ring-slate-200">
      {lines.map((l, i) => (
        <div key={i} className={l.kind === "add" ? "bg-emerald-50 text-emerald-800" : l.kind === "del" ? "bg-red-50 text-red-800" : "text-slate-600"}>
          {l.kind === "add" ? "+ " : l.kind === "del" ? "- " : "  "}
          {l.text}
        </div>
      ))}
    </pre>
  );
}

function FormValues({ values }: { values: Record<string, unknown> }) {
  return (
    <dl aria-label="Form values" className="mt-1 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs">
      {Object.entries(values).map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="font-mono text-slate-500">{k}</dt>
          <dd className="font-mono text-slate-800">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One decision: who, what, when, the comment, the form's values and what it changed (diffs). */
function DecisionItem({ gate, d }: { gate: Approval; d: Decision }) {
  const stage = gate.output === undefined || gate.output === null;
  return (
    <li data-testid="decision" className="rounded-md border border-slate-200 px-3 py-2">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium">{d.actor}</span>
        <ToneBadge tone={toneOfAction(d.action)}>{d.action}</ToneBadge>
        <span className="text-xs text-slate-500">{formatTime(d.at)}</span>
      </div>
      {d.comment ? <p className="mt-1 whitespace-pre-wrap break-words text-sm text-slate-700">“{d.comment}”</p> : null}
      {d.form && Object.keys(d.form).length ? <FormValues values={d.form} /> : null}
      {d.action === "modify" && d.payload !== undefined && !stage ? (
        <details className="mt-1 text-xs" open>
          <summary className="cursor-pointer text-slate-600">Output of {gate.stepId} changed</summary>
          <Diff label={`Output diff of ${gate.stepId}`} before={gate.output} after={d.payload} />
        </details>
      ) : null}
      {d.action === "retry" && d.payload !== undefined ? (
        <details className="mt-1 text-xs">
          <summary className="cursor-pointer text-slate-600">Retried with new params</summary>
          <pre className="mt-1 overflow-auto rounded bg-slate-50 p-2 font-mono">{pretty(d.payload)}</pre>
        </details>
      ) : null}
      {d.nextParams
        ? Object.entries(d.nextParams).map(([id, c]) => (
            <details key={id} className="mt-1 text-xs">
              <summary className="cursor-pointer text-slate-600">Params of {id} changed</summary>
              <Diff label={`Params diff of ${id}`} before={c.before} after={c.after} />
            </details>
          ))
        : null}
    </li>
  );
}

/** The decisions of a gate, oldest first (a pending gate's so far, a decided gate's all). */
export function DecisionList({ gate }: { gate: Approval }) {
  if (gate.decisions.length === 0) {
    const how = gate.status === "expired" ? "It expired with nobody deciding." : gate.decidedBy ? `Decided by ${gate.decidedBy}.` : "None yet.";
    return <p className="text-sm text-slate-500">{how}</p>;
  }
  return (
    <ul aria-label={`Decisions on ${gate.stepId}`} className="flex flex-col gap-2">
      {gate.decisions.map((d, i) => (
        <DecisionItem key={i} gate={gate} d={d} />
      ))}
    </ul>
  );
}

/** "approved" / "rejected" ... with its tone, for a decided gate's outcome. */
export function OutcomeBadge({ status }: { status: string }) {
  const a = actionOfStatus(status);
  const tone: Tone = status === "expired" ? "negative" : a ? GATE_ACTION_RULES[a].tone : "neutral";
  return (
    <ToneBadge tone={tone} testId="gate-outcome">
      {status}
    </ToneBadge>
  );
}
