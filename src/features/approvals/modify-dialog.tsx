"use client";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Dialog } from "~/features/runs/dialog";
import { lineDiff } from "./line-diff";

type Parsed = { ok: true; value: unknown; text: string } | { ok: false; error: string };

function parse(text: string): Parsed {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value, text: JSON.stringify(value, null, 2) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Edits the gated step's output as JSON, validated as you type, with a line diff of old vs new
 * (both pretty-printed, so only real changes show) before the change is confirmed.
 */
export function ModifyDialog({ stepId, output, busy, onCancel, onConfirm }: { stepId: string; output: unknown; busy: boolean; onCancel: () => void; onConfirm: (value: unknown) => void }) {
  const original = JSON.stringify(output ?? {}, null, 2);
  const [text, setText] = useState(original);
  const parsed = parse(text);
  const diff = parsed.ok ? lineDiff(original, parsed.text) : [];
  const changed = diff.some((l) => l.kind !== "same");
  return (
    <Dialog label="Modify output" title={`Modify the output of ${stepId}`} onClose={onCancel} wide>
      <label htmlFor="modify-json" className="text-sm font-medium text-slate-700">
        New output (JSON)
      </label>
      <textarea
        id="modify-json"
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        rows={10}
        aria-invalid={parsed.ok ? undefined : true}
        aria-describedby="modify-json-status"
        className={`mt-1 w-full rounded-md border px-3 py-2 font-mono text-xs shadow-sm focus:outline-none focus:ring-1 ${parsed.ok ? "border-slate-300 focus:ring-brand-500" : "border-red-400 focus:ring-red-500"}`}
      />
      <p id="modify-json-status" className={`mt-1 text-xs ${parsed.ok ? "text-slate-500" : "text-red-600"}`}>
        {parsed.ok ? (changed ? "Valid JSON." : "Valid JSON, unchanged.") : `Invalid JSON: ${parsed.error}`}
      </p>
      <h3 className="mt-4 text-sm font-semibold text-slate-700">Changes</h3>
      <pre aria-label="Changes" className="mt-1 max-h-60 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs ring-1 ring-slate-200">
        {!parsed.ok ? (
          <span className="text-slate-500">Fix the JSON to see the changes.</span>
        ) : !changed ? (
          <span className="text-slate-500">No changes yet.</span>
        ) : (
          diff.map((l, i) => (
            <div key={i} data-diff={l.kind} className={l.kind === "add" ? "bg-emerald-50 text-emerald-800" : l.kind === "del" ? "bg-red-50 text-red-800" : "text-slate-600"}>
              {l.kind === "add" ? "+ " : l.kind === "del" ? "- " : "  "}
              {l.text}
            </div>
          ))
        )}
      </pre>
      <div className="mt-5 flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Back
        </Button>
        <Button disabled={!parsed.ok || !changed || busy} onClick={() => parsed.ok && onConfirm(parsed.value)}>
          Apply and continue
        </Button>
      </div>
    </Dialog>
  );
}
