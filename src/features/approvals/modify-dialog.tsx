"use client";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Dialog } from "~/components/ui/dialog";
import { JsonField, jsonChanged, parseJson, prettyJson } from "./json-field";

/** A step that runs next, with the paths of its params the gate lets approvers change. */
export type NextStep = { id: string; type: string; params: unknown; editable: readonly string[] };
export type ModifyChange = { output?: unknown; nextParams?: Record<string, unknown> };

/**
 * Edits the gated step's output and the params of the steps that run next — only what the gate
 * lists in `approval.editable` (named above each field) — each as JSON validated as you type with a
 * line diff of old vs new (both pretty-printed, so only real changes show). Only what changed is
 * sent; the server refuses any other field and checks params against each step type.
 */
export function ModifyDialog({
  stepId,
  output,
  editableOutput,
  next,
  busy,
  onCancel,
  onConfirm,
}: {
  stepId: string;
  output: unknown;
  /** paths of the output the gate lets approvers change; none: the output is not offered */
  editableOutput: readonly string[];
  next: readonly NextStep[];
  busy: boolean;
  onCancel: () => void;
  onConfirm: (change: ModifyChange) => void;
}) {
  const original = prettyJson(output);
  const [text, setText] = useState(original);
  const originals = Object.fromEntries(next.map((n) => [n.id, prettyJson(n.params)]));
  const [params, setParams] = useState<Record<string, string>>(originals);
  const all = [text, ...Object.values(params)];
  const valid = all.every((t) => parseJson(t).ok);
  const outputChanged = editableOutput.length > 0 && jsonChanged(original, text);
  const changedSteps = next.filter((n) => jsonChanged(originals[n.id] ?? "", params[n.id] ?? ""));
  const changed = outputChanged || changedSteps.length > 0;

  function confirm() {
    const out = parseJson(text);
    const change: ModifyChange = {};
    if (outputChanged && out.ok) change.output = out.value;
    if (changedSteps.length) {
      change.nextParams = {};
      for (const n of changedSteps) {
        const p = parseJson(params[n.id] ?? "");
        if (p.ok) change.nextParams[n.id] = p.value;
      }
    }
    onConfirm(change);
  }

  return (
    <Dialog label="Modify output" title={editableOutput.length ? `Modify the output of ${stepId}` : `Modify what runs after ${stepId}`} onClose={onCancel} wide>
      {editableOutput.length ? (
        <>
          <p className="mb-2 text-xs text-slate-600" data-testid="editable-output">
            You may change: <span className="font-mono">{editableOutput.join(", ")}</span>
          </p>
          <JsonField id="modify-json" label="New output (JSON)" diffLabel="Changes" original={original} text={text} onChange={setText} rows={10} />
        </>
      ) : null}
      {next.length ? (
        <section aria-label="Params of the next steps" className="mt-5 flex flex-col gap-4">
          <h3 className="text-sm font-semibold text-slate-700">Params of the steps that run next</h3>
          {next.map((n) => (
            <div key={n.id}>
            <p className="mb-1 text-xs text-slate-600">
              You may change: <span className="font-mono">{n.editable.join(", ")}</span>
            </p>
            <JsonField
              label={`Params of ${n.id} (${n.type}, JSON)`}
              diffLabel={`Changes to ${n.id}`}
              original={originals[n.id] ?? ""}
              text={params[n.id] ?? ""}
              onChange={(t) => setParams((prev) => ({ ...prev, [n.id]: t }))}
              rows={5}
            />
            </div>
          ))}
        </section>
      ) : null}
      {!changed && valid ? <p className="mt-3 text-xs text-slate-500">No changes yet.</p> : null}
      <div className="mt-5 flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Back
        </Button>
        <Button disabled={!valid || !changed || busy} onClick={confirm}>
          Apply and continue
        </Button>
      </div>
    </Dialog>
  );
}
