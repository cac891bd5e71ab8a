"use client";
import { memo, useEffect, useId, useState, type ReactNode } from "react";
import { parse } from "yaml";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";
import type { EditorGraph, EditorStep } from "./read-graph";
import { stepFields, type StepField } from "./step-fields";
import { formatFlow } from "./yaml-doc";

const CONTROL =
  "w-full rounded border border-slate-300 bg-white px-2 py-1 text-xs shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500 disabled:bg-slate-50 disabled:text-slate-600 aria-[invalid=true]:border-red-500";

function valueAt(raw: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = raw;
  for (const k of path) cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

function display(field: StepField, value: unknown): string {
  if (value === undefined || value === null) return "";
  switch (field.control.kind) {
    case "list":
      return Array.isArray(value) ? value.map(String).join(", ") : String(value);
    case "yaml":
      return formatFlow(value);
    default:
      return typeof value === "object" ? formatFlow(value) : String(value);
  }
}

/** Text to value for a field; `error` when the text cannot be one. `undefined` value = remove the field. */
function read(field: StepField, text: string): { value: unknown } | { error: string } {
  const t = text;
  if (t.trim() === "" && field.path[0] !== "id") return { value: undefined };
  switch (field.control.kind) {
    case "number": {
      const n = Number(t.trim());
      if (!Number.isFinite(n)) return { error: "write a number" };
      if (field.control.integer && !Number.isInteger(n)) return { error: "write a whole number" };
      return { value: n };
    }
    case "boolean":
      return { value: t === "true" };
    case "list":
      return { value: t.split(",").map((s) => s.trim()).filter((s) => s !== "") };
    case "yaml":
      try {
        return { value: parse(t) as unknown };
      } catch (e) {
        return { error: `not YAML: ${e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)}` };
      }
    default:
      return { value: t };
  }
}

function Messages({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul id={id} className="mt-0.5 space-y-0.5 text-[11px] text-red-700">
      {messages.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  );
}

function FieldRow({
  field,
  value,
  issues,
  readOnly,
  onCommit,
  commitOnBlur,
}: {
  field: StepField;
  value: unknown;
  issues: WorkflowIssue[];
  readOnly: boolean;
  onCommit: (value: unknown) => string | null;
  commitOnBlur: boolean;
}) {
  const id = useId();
  const shown = display(field, value);
  const [draft, setDraft] = useState(shown);
  const [focused, setFocused] = useState(false);
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    if (!focused) setDraft(shown);
  }, [shown, focused]);
  const messages = [...(local ? [local] : []), ...issues.map((i) => i.message)];
  const errId = `${id}-err`;
  const helpId = `${id}-help`;
  const describedBy = [field.description ? helpId : "", messages.length ? errId : ""].filter(Boolean).join(" ") || undefined;
  const commit = (text: string): void => {
    const r = read(field, text);
    if ("error" in r) {
      setLocal(r.error);
      return;
    }
    setLocal(onCommit(r.value));
  };
  const common = {
    id,
    disabled: readOnly,
    "aria-invalid": messages.length > 0 ? true : undefined,
    "aria-describedby": describedBy,
    "aria-required": field.required || undefined,
    className: CONTROL,
  };
  const lazy = commitOnBlur || field.control.kind === "yaml" || field.control.kind === "number";
  let control: ReactNode;
  const c = field.control;
  if (c.kind === "select" || c.kind === "boolean") {
    const options = c.kind === "select" ? c.options : ["true", "false"];
    control = (
      <select {...common} value={shown} onChange={(e) => commit(e.target.value)}>
        {field.required && shown !== "" ? null : <option value="">(not set)</option>}
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    const handlers = {
      value: draft,
      onFocus: () => setFocused(true),
      onBlur: () => {
        setFocused(false);
        if (lazy && draft !== shown) commit(draft);
      },
      onChange: (e: { target: { value: string } }) => {
        setDraft(e.target.value);
        if (!lazy) commit(e.target.value);
      },
      onKeyDown: (e: React.KeyboardEvent) => {
        if (e.key === "Enter" && !(c.kind === "text" && c.multiline && !e.ctrlKey) && lazy) {
          e.preventDefault();
          commit(draft);
        }
      },
      spellCheck: false,
    };
    control = c.kind === "text" && c.multiline ? <textarea {...common} {...handlers} rows={Math.min(6, Math.max(2, draft.split("\n").length))} className={`${CONTROL} font-mono`} /> : <input {...common} {...handlers} type="text" className={`${CONTROL} ${c.kind === "yaml" || c.kind === "list" ? "font-mono" : ""}`} />;
  }
  return (
    <div className="flex flex-col gap-0.5">
      <div className="flex items-baseline gap-1 text-[11px]">
        {/* only the name in the label: tests and screen readers find the control by it */}
        <label htmlFor={id} className="font-medium text-slate-700">
          {field.label}
        </label>
        {field.required ? <span aria-hidden="true" className="text-red-600">*</span> : null}
        {field.control.kind === "yaml" ? <span className="font-normal text-slate-400">YAML</span> : null}
      </div>
      {control}
      {field.description ? (
        <p id={helpId} className="text-[10px] text-slate-500">
          {field.description}
        </p>
      ) : null}
      <Messages id={errId} messages={messages} />
    </div>
  );
}

function NeedsField({ step, graph, issues, readOnly, onToggle }: { step: EditorStep; graph: EditorGraph; issues: WorkflowIssue[]; readOnly: boolean; onToggle: (need: string, on: boolean) => string | null }) {
  const [local, setLocal] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  // Not itself, nor a step inside it or around it (a group waits for its own steps: a cycle).
  const within = (inner: EditorStep, outer: EditorStep) => {
    for (let p = inner.parent; p !== undefined; p = graph.byKey.get(p)?.parent) if (p === outer.key) return true;
    return false;
  };
  const others = graph.steps.filter((s) => s.key !== step.key && s.id !== "" && !within(s, step) && !within(step, s));
  // Big workflows: the checked ones plus what the filter finds (a list of 500 checkboxes helps nobody).
  const big = others.length > 30;
  const shown = big ? others.filter((s) => step.needs.includes(s.id) || (filter !== "" && s.id.includes(filter))).slice(0, 60) : others;
  const unknown = step.needs.filter((n) => !graph.byKey.has(n));
  return (
    <fieldset className="flex flex-col gap-1" aria-describedby={issues.length ? `needs-err-${step.key}` : undefined}>
      <legend className="text-[11px] font-medium text-slate-700">needs</legend>
      {big ? <input aria-label="Filter needs" className={CONTROL} placeholder="filter steps…" value={filter} onChange={(e) => setFilter(e.target.value)} /> : null}
      <div className="flex max-h-40 flex-wrap gap-x-3 gap-y-1 overflow-auto">
        {others.length === 0 ? <span className="text-[11px] text-slate-500">No other steps yet.</span> : null}
        {shown.map((s) => (
          <label key={s.key} className="flex items-center gap-1 text-xs">
            <input type="checkbox" disabled={readOnly} checked={step.needs.includes(s.id)} onChange={(e) => setLocal(onToggle(s.id, e.target.checked))} />
            {s.id}
          </label>
        ))}
        {unknown.map((n) => (
          <label key={`unknown-${n}`} className="flex items-center gap-1 text-xs text-red-700">
            <input type="checkbox" disabled={readOnly} checked onChange={() => setLocal(onToggle(n, false))} />
            {n} (unknown)
          </label>
        ))}
      </div>
      <Messages id={`needs-err-${step.key}`} messages={[...(local ? [local] : []), ...issues.map((i) => i.message)]} />
    </fieldset>
  );
}

const ROOT_FIELDS: StepField[] = [
  { path: ["name"], label: "Workflow name", required: true, control: { kind: "text", multiline: false }, description: "lowercase letters, digits, '.', '_' and '-'" },
  { path: ["description"], label: "Workflow description", required: false, control: { kind: "text", multiline: false } },
  { path: ["concurrency"], label: "concurrency", required: false, control: { kind: "number", integer: true }, description: "Max steps running at once in one run" },
  { path: ["timeout"], label: "timeout", required: false, control: { kind: "text", multiline: false }, description: "Whole-run timeout, e.g. 1h" },
];

/**
 * The inspector: every field of the selected step's type (from the zod schema) with the engine's
 * messages under the field they are about; the workflow's own fields when no step is selected.
 */
export const Inspector = memo(function Inspector({
  step,
  graph,
  root,
  fieldIssues,
  stepIssues,
  rootIssues,
  readOnly,
  onSetField,
  onSetRoot,
  onToggleNeed,
}: {
  step: EditorStep | null;
  graph: EditorGraph;
  root: Record<string, unknown>;
  fieldIssues: Map<string, WorkflowIssue[]>;
  stepIssues: WorkflowIssue[];
  rootIssues: WorkflowIssue[];
  readOnly: boolean;
  onSetField: (key: string, path: string[], value: unknown) => string | null;
  onSetRoot: (path: string[], value: unknown) => string | null;
  onToggleNeed: (key: string, need: string, on: boolean) => string | null;
}) {
  if (!step) {
    return (
      <section aria-label="Inspector" className="flex flex-col gap-2 text-xs">
        <h2 className="text-sm font-semibold">Workflow</h2>
        {ROOT_FIELDS.map((f) => (
          <FieldRow key={f.path.join(".")} field={f} value={valueAt(root, f.path)} issues={rootIssues.filter((i) => i.path === f.path.join("."))} readOnly={readOnly} onCommit={(v) => onSetRoot(f.path, v)} commitOnBlur={f.path[0] === "name"} />
        ))}
        <p className="text-[11px] text-slate-500">Select a step on the canvas to edit it. Inputs, variables and defaults are edited in the YAML.</p>
      </section>
    );
  }
  const fields = stepFields(step.type);
  const general = fieldIssues.get(`${step.key}|`) ?? [];
  return (
    <section aria-label="Inspector" className="flex flex-col gap-2 text-xs" key={step.key}>
      <h2 className="text-sm font-semibold">
        Step {step.id || step.path} <span className="font-mono text-xs font-normal text-slate-500">{step.type}</span>
      </h2>
      {general.length > 0 ? <Messages id={`general-${step.key}`} messages={general.map((i) => i.message)} /> : null}
      {fields.map((f) => (
        <FieldRow
          key={f.path.join(".")}
          field={f}
          value={valueAt(step.raw, f.path)}
          issues={fieldIssues.get(`${step.key}|${f.path.join(".")}`) ?? []}
          readOnly={readOnly}
          onCommit={(v) => onSetField(step.key, f.path, v)}
          commitOnBlur={f.path[0] === "id" || f.path[0] === "type"}
        />
      ))}
      <NeedsField step={step} graph={graph} issues={fieldIssues.get(`${step.key}|needs`) ?? []} readOnly={readOnly} onToggle={(n, on) => onToggleNeed(step.key, n, on)} />
      {stepIssues.length > 0 ? <p className="text-[11px] text-red-700">{stepIssues.length} problem(s) on this step.</p> : null}
    </section>
  );
});
