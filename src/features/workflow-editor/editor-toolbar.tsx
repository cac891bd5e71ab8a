"use client";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { STEP_TYPES } from "~/engine/definition/schema";

type Props = {
  canWrite: boolean;
  canStart: boolean;
  readOnly: boolean;
  history: { undo: () => void; redo: () => void; canUndo: boolean; canRedo: boolean };
  /** "Add to": the workflow ("") or a container's list (edit-plans.ts addTargets). */
  addTo: string;
  onAddTo: (value: string) => void;
  addTargets: ReadonlyArray<{ value: string; label: string }>;
  onAddStep: (type: string) => void;
  hasSelection: boolean;
  onDeleteSelected: () => void;
  onRelayout: () => void;
  onValidate: () => void;
  message: string;
  onMessage: (message: string) => void;
  onSave: () => void;
  saving: boolean;
  /** Run starts the saved version: off until the workflow is saved and while changes are not. */
  runnable: boolean;
  dirty: boolean;
  onRun: () => void;
  /** History needs a saved workflow. */
  named: boolean;
  showHistory: boolean;
  onToggleHistory: () => void;
};

const Divider = () => <span className="mx-1 h-6 w-px bg-slate-200" aria-hidden="true" />;

/** The editor's toolbar: undo/redo, add and delete steps, layout, validate, save with a message, run, history. */
export function EditorToolbar(p: Props) {
  const [addType, setAddType] = useState<string>("shell");
  return (
    <div role="toolbar" aria-label="Editor" className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-white p-2">
      <Button variant="secondary" onClick={p.history.undo} disabled={p.readOnly || !p.history.canUndo} aria-keyshortcuts="Control+Z">
        Undo
      </Button>
      <Button variant="secondary" onClick={p.history.redo} disabled={p.readOnly || !p.history.canRedo} aria-keyshortcuts="Control+Shift+Z">
        Redo
      </Button>
      <Divider />
      {p.canWrite ? (
        <>
          <label className="flex items-center gap-1 text-xs text-slate-600">
            Step type
            <select className="rounded border border-slate-300 px-1 py-1 text-xs" value={addType} onChange={(e) => setAddType(e.target.value)}>
              {STEP_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1 text-xs text-slate-600">
            Add to
            <select className="rounded border border-slate-300 px-1 py-1 text-xs" value={p.addTo} onChange={(e) => p.onAddTo(e.target.value)}>
              <option value="">workflow</option>
              {p.addTargets.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <Button onClick={() => p.onAddStep(addType)}>Add step</Button>
          <Button variant="secondary" onClick={p.onDeleteSelected} disabled={!p.hasSelection}>
            Delete step
          </Button>
        </>
      ) : null}
      <Button variant="secondary" onClick={p.onRelayout} disabled={p.readOnly}>
        Auto layout
      </Button>
      <Button variant="secondary" onClick={p.onValidate}>
        Validate
      </Button>
      <Divider />
      {p.canWrite ? (
        <>
          <input aria-label="Version message" placeholder="Version message" className="w-48 rounded border border-slate-300 px-2 py-1 text-xs" value={p.message} onChange={(e) => p.onMessage(e.target.value)} maxLength={500} />
          <Button onClick={p.onSave} disabled={p.saving}>
            {p.saving ? "Saving…" : "Save"}
          </Button>
        </>
      ) : null}
      {p.canStart ? (
        <Button variant="secondary" onClick={p.onRun} disabled={!p.runnable} aria-haspopup="dialog" aria-describedby={p.dirty ? "run-hint" : undefined}>
          Run
        </Button>
      ) : null}
      {p.dirty && p.canStart ? (
        <span id="run-hint" className="text-[11px] text-slate-500">
          Save to run your changes
        </span>
      ) : null}
      {p.named ? (
        <Button variant="ghost" onClick={p.onToggleHistory} aria-expanded={p.showHistory}>
          History
        </Button>
      ) : null}
    </div>
  );
}
