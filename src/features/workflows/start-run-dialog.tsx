"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert } from "~/components/ui/card";
import { Dialog } from "~/components/ui/dialog";
import { SelectField } from "~/components/ui/field";
import { useTRPC } from "~/trpc/react";
import { initialValues, inputFields, parseInputs, type FormValues, type InputField } from "./input-fields";

const CONTROL = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500";

function FieldLabel({ field, htmlFor }: { field: InputField; htmlFor: string }) {
  return (
    <label htmlFor={htmlFor} className="text-sm font-medium text-slate-700">
      {field.name}
      {field.required ? (
        <span className="ml-0.5 text-red-600" aria-hidden="true">
          *
        </span>
      ) : null}
      <span className="ml-2 text-xs font-normal text-slate-400">{field.type}</span>
    </label>
  );
}

function InputControl({ field, value, error, onChange }: { field: InputField; value: string | boolean; error?: string; onChange: (v: string | boolean) => void }) {
  const id = `input-${field.name}`;
  const helpId = `${id}-help`;
  const errId = `${id}-error`;
  const describedBy = [field.description ? helpId : null, error ? errId : null].filter(Boolean).join(" ") || undefined;
  const common = { id, name: field.name, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy, "aria-required": field.required || undefined };
  let control;
  switch (field.control) {
    case "checkbox":
      control = (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="font-medium text-slate-700">{field.name}</span>
        </label>
      );
      break;
    case "select":
      control = (
        <select {...common} className={CONTROL} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {field.required && value !== "" ? null : <option value="">{field.required ? "Choose…" : "(default)"}</option>}
          {field.options?.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    case "json":
      control = <textarea {...common} rows={4} spellCheck={false} className={`${CONTROL} font-mono text-xs`} value={String(value)} onChange={(e) => onChange(e.target.value)} placeholder={field.type === "array" ? '["a", "b"]' : '{"key": "value"}'} />;
      break;
    case "number":
      control = <input {...common} type="text" inputMode="decimal" className={CONTROL} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "text":
      control = <input {...common} type="text" className={CONTROL} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
      break;
  }
  return (
    <div className="flex flex-col gap-1">
      {field.control === "checkbox" ? null : <FieldLabel field={field} htmlFor={id} />}
      {control}
      {field.description ? (
        <p id={helpId} className="text-xs text-slate-500">
          {field.description}
        </p>
      ) : null}
      {error ? (
        <p id={errId} className="text-xs text-red-600">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The Run dialog: a form generated from the workflow's inputs; on success, opens the new run. */
export function StartRunDialog({ workflow, version, definition, onClose }: { workflow: string; version: number; definition: Record<string, unknown>; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const fields = useMemo(() => inputFields(definition), [definition]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [approvalMode, setApprovalMode] = useState<"interactive" | "auto">("interactive");
  const start = useMutation(
    trpc.runs.start.mutationOptions({
      onSuccess: (run) => {
        qc.setQueryData(trpc.runs.get.queryKey({ id: run.id }), run);
        void qc.invalidateQueries({ queryKey: trpc.runs.list.pathKey() });
        router.push(`/runs/${encodeURIComponent(run.id)}`);
      },
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = parseInputs(fields, values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      const first = Object.keys(parsed.errors)[0];
      if (first) document.getElementById(`input-${first}`)?.focus();
      return;
    }
    setErrors({});
    start.mutate({ workflow, version, inputs: parsed.inputs, approvalMode });
  }

  const errorCount = Object.keys(errors).length;
  return (
    <Dialog label={`Run ${workflow}`} title={`Run ${workflow} v${version}`} onClose={onClose} wide>
      <form onSubmit={onSubmit} noValidate aria-label="Run inputs" className="flex flex-col gap-4">
        {fields.length === 0 ? <p className="text-sm text-slate-600">This workflow takes no inputs.</p> : null}
        {fields.map((f) => (
          <InputControl
            key={f.name}
            field={f}
            value={values[f.name] ?? ""}
            error={errors[f.name]}
            onChange={(v) => {
              setValues((prev) => ({ ...prev, [f.name]: v }));
              if (errors[f.name]) setErrors(({ [f.name]: _gone, ...rest }) => rest);
            }}
          />
        ))}
        <SelectField id="approval-mode" label="Approval mode" value={approvalMode} onChange={(e) => setApprovalMode(e.target.value === "auto" ? "auto" : "interactive")}>
          <option value="interactive">interactive: approval gates wait for a person</option>
          <option value="auto">auto: gates approve themselves (recorded)</option>
        </SelectField>
        {errorCount ? <Alert>{errorCount === 1 ? "Fix the highlighted input." : `Fix the ${errorCount} highlighted inputs.`}</Alert> : null}
        {start.error ? <Alert>{start.error.message}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Close
          </Button>
          <Button type="submit" disabled={start.isPending || start.isSuccess}>
            {start.isPending ? "Starting…" : "Start run"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
