"use client";
import { useId } from "react";
import { lineDiff } from "~/features/shared/line-diff";

export type ParsedJson = { ok: true; value: unknown; text: string } | { ok: false; error: string };

/** JSON text to a value and its pretty form (so diffs show only real changes), or the parse error. */
export function parseJson(text: string): ParsedJson {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value, text: JSON.stringify(value, null, 2) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export const prettyJson = (value: unknown): string => JSON.stringify(value ?? {}, null, 2);

/** Whether `text` parses and differs from `original` (both pretty-printed). */
export function jsonChanged(original: string, text: string): boolean {
  const p = parseJson(text);
  return p.ok && p.text !== original;
}

/**
 * A JSON editor (textarea) validated as you type, with a line diff against the original below it.
 * `label` names the textarea; the diff is named `diffLabel`.
 */
export function JsonField({
  label,
  diffLabel,
  original,
  text,
  onChange,
  rows = 8,
  id,
}: {
  label: string;
  diffLabel: string;
  original: string;
  text: string;
  onChange: (text: string) => void;
  rows?: number;
  id?: string;
}) {
  const auto = useId();
  const fieldId = id ?? auto;
  const parsed = parseJson(text);
  const diff = parsed.ok ? lineDiff(original, parsed.text) : [];
  const changed = diff.some((l) => l.kind !== "same");
  return (
    <div>
      <label htmlFor={fieldId} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={fieldId}
        value={text}
        onChange={(e) => onChange(e.target.value)}
        spellCheck={false}
        rows={rows}
        aria-invalid={parsed.ok ? undefined : true}
        aria-describedby={`${fieldId}-status`}
        className={`mt-1 w-full rounded-md border px-3 py-2 font-mono text-xs shadow-sm focus:outline-none focus:ring-1 ${parsed.ok ? "border-slate-300 focus:ring-brand-500" : "border-red-400 focus:ring-red-500"}`}
      />
      <p id={`${fieldId}-status`} className={`mt-1 text-xs ${parsed.ok ? "text-slate-500" : "text-red-600"}`}>
        {parsed.ok ? (changed ? "Valid JSON." : "Valid JSON, unchanged.") : `Invalid JSON: ${parsed.error}`}
      </p>
      {changed ? (
        <pre aria-label={diffLabel} className="mt-1 max-h-60 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs ring-1 ring-slate-200">
          {diff.map((l, i) => (
            <div key={i} data-diff={l.kind} className={l.kind === "add" ? "bg-emerald-50 text-emerald-800" : l.kind === "del" ? "bg-red-50 text-red-800" : "text-slate-600"}>
              {l.kind === "add" ? "+ " : l.kind === "del" ? "- " : "  "}
              {l.text}
            </div>
          ))}
        </pre>
      ) : null}
    </div>
  );
}
