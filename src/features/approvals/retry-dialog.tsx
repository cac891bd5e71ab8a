"use client";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Dialog } from "~/components/ui/dialog";
import { JsonField, jsonChanged, parseJson, prettyJson } from "./json-field";

/**
 * Retry of a gated step: it runs again (then asks for review again), with its params as they are
 * or with the params the gate lets approvers change (`editable`, named here) edited as JSON. Only
 * changed params are sent; the server refuses any other field and checks them against the type.
 */
export function RetryDialog({
  stepId,
  type,
  params,
  editable,
  busy,
  onCancel,
  onConfirm,
}: {
  stepId: string;
  type: string;
  params: unknown;
  editable: readonly string[];
  busy: boolean;
  onCancel: () => void;
  onConfirm: (params: unknown) => void;
}) {
  const original = prettyJson(params);
  const [text, setText] = useState(original);
  const parsed = parseJson(text);
  const changed = jsonChanged(original, text);
  return (
    <Dialog label="Retry step" title={`Retry ${stepId}`} onClose={onCancel} wide>
      <p className="mb-3 text-sm text-slate-600">
        <span className="font-mono">{stepId}</span> runs again as a new attempt, then its result is held for review again.
      </p>
      <p className="mb-2 text-xs text-slate-600">
        You may change: <span className="font-mono">{editable.join(", ")}</span>
      </p>
      <JsonField id="retry-json" label={`Params of ${stepId} (${type}, JSON)`} diffLabel="Changes to the params" original={original} text={text} onChange={setText} rows={8} />
      <div className="mt-5 flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Back
        </Button>
        <Button disabled={!parsed.ok || busy} onClick={() => parsed.ok && onConfirm(changed ? parsed.value : undefined)}>
          {changed ? "Run again with these params" : "Run again"}
        </Button>
      </div>
    </Dialog>
  );
}
