"use client";
import { useId } from "react";
import { z } from "zod";
import { ZFormField } from "~/engine/definition/schema";

export type FormField = z.infer<typeof ZFormField>;
export type FormValues = Record<string, string | boolean>;

/** The gate's form fields from its policy (none when it has no form or it does not parse). */
export function formOf(policy: Record<string, unknown>): FormField[] {
  const r = z.array(ZFormField).safeParse(policy.form ?? []);
  return r.success ? r.data : [];
}

/** Starting values: each field's default (as the control holds it), else empty / unchecked. */
export function initialValues(fields: readonly FormField[]): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    if (f.type === "boolean") out[f.name] = f.default === true;
    else out[f.name] = f.default === undefined || f.default === null ? "" : String(f.default);
  }
  return out;
}

/** What approve sends: filled fields only (the server applies defaults and checks types). */
export function formPayload(fields: readonly FormField[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.type === "boolean") out[f.name] = v === true;
    else if (typeof v === "string" && v.trim() !== "") out[f.name] = f.type === "number" ? Number(v) : v;
  }
  return out;
}

const input = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500";

/** The human stage's form: one labelled control per field (text, multi-line text, number, checkbox, select). */
export function GateForm({ fields, values, onChange, disabled }: { fields: readonly FormField[]; values: FormValues; onChange: (v: FormValues) => void; disabled?: boolean }) {
  const base = useId();
  const set = (name: string, v: string | boolean) => onChange({ ...values, [name]: v });
  return (
    <fieldset className="grid gap-3 rounded-md border border-slate-200 p-3 md:grid-cols-2" disabled={disabled}>
      <legend className="px-1 text-sm font-semibold text-slate-700">Form</legend>
      {fields.map((f) => {
        const id = `${base}-${f.name}`;
        const label = f.label ?? f.name;
        const value = values[f.name];
        if (f.type === "boolean") {
          return (
            <label key={f.name} htmlFor={id} className="flex items-center gap-2 text-sm text-slate-700">
              <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(f.name, e.target.checked)} className="h-4 w-4" />
              {label}
            </label>
          );
        }
        const text = typeof value === "string" ? value : "";
        return (
          <div key={f.name} className={`flex flex-col gap-1 ${f.type === "text" ? "md:col-span-2" : ""}`}>
            <label htmlFor={id} className="text-sm font-medium text-slate-700">
              {label}
              {f.required ? <span className="text-red-600" aria-hidden="true"> *</span> : null}
            </label>
            {f.type === "select" ? (
              <select id={id} value={text} required={f.required} onChange={(e) => set(f.name, e.target.value)} className={input}>
                <option value="">{f.required ? "Choose…" : "(none)"}</option>
                {(f.options ?? []).map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : f.type === "text" ? (
              <textarea id={id} value={text} required={f.required} rows={3} onChange={(e) => set(f.name, e.target.value)} className={input} />
            ) : (
              <input id={id} type={f.type === "number" ? "number" : "text"} step="any" value={text} required={f.required} onChange={(e) => set(f.name, e.target.value)} className={input} />
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
