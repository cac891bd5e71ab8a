"use client";
import { ReactFlowProvider } from "@xyflow/react";
import { useCallback, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { AlertMessage } from "~/components/ui/card";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";
import { usePermissions } from "~/features/shared/use-permissions";
import { StartRunDialog } from "~/features/workflows/start-run-dialog";
import type { Positions } from "./auto-layout";
import { addTargets } from "./edit-plans";
import { EditorCanvas } from "./editor-canvas";
import { EditorToolbar } from "./editor-toolbar";
import { historyShortcut, ownsKeys } from "./history-shortcut";
import { Inspector } from "./inspector";
import { ProblemsList } from "./problems-list";
import { StepPalette } from "./step-palette";
import { useEditorDocument } from "./use-editor-document";
import { useEditorEdits } from "./use-editor-edits";
import { useEditorFlow } from "./use-editor-flow";
import { useSaveWorkflow } from "./use-save-workflow";
import { useValidation } from "./use-validation";
import { VersionHistory } from "./version-history";
import { YamlPane, type YamlPaneHandle } from "./yaml-pane";

export type EditorSource = {
  /** The saved workflow's name; undefined for a new one. */
  name?: string;
  /** The version the text was loaded from (0 = new). */
  version: number;
  yaml: string;
  positions: Positions;
};

function EditorHeading({ name, version, stepCount, dirty, readOnlyNote, status }: { name?: string; version: number; stepCount: number; dirty: boolean; readOnlyNote: boolean; status: AlertMessage | null }) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{name ? `Edit ${name}` : "New workflow"}</h1>
        <p className="text-sm text-slate-500">
          {version > 0 ? `v${version}` : "not saved yet"} · {stepCount} step{stepCount === 1 ? "" : "s"}
          {dirty ? " · unsaved changes" : ""}
          {readOnlyNote ? " · read-only: your role may view this workflow, not edit it" : ""}
        </p>
      </div>
      <div role="status" aria-live="polite" className={`min-h-5 text-sm ${status?.kind === "error" ? "text-red-700" : status?.kind === "success" ? "text-emerald-700" : "text-slate-600"}`} data-testid="editor-status">
        {status?.text ?? ""}
      </div>
    </div>
  );
}

/**
 * The visual editor: canvas and YAML pane over one document (the YAML text). Canvas edits are
 * minimal text splices (yaml-doc.ts), the canvas is re-read from the text, the engine validates it
 * in the browser, and Save stores the text with the node positions as a new version. The state
 * lives in hooks by concern: the document (use-editor-document), validation (use-validation), what
 * the canvas draws (use-editor-flow), the edits (use-editor-edits) and versions (use-save-workflow).
 */
export function WorkflowEditor({ source }: { source: EditorSource }) {
  const { canWrite, canStart, loaded } = usePermissions();
  const readOnly = !canWrite;
  const [status, setStatus] = useState<AlertMessage | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [addTo, setAddTo] = useState<string>("");
  const [fitKey, setFitKey] = useState(0);
  const [running, setRunning] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const yamlRef = useRef<YamlPaneHandle | null>(null);

  const doc = useEditorDocument(source, readOnly, setStatus);
  const { history, text, graph, root } = doc;
  const validation = useValidation(text, doc.parsed, setStatus);
  const { issueMap, effective, flow } = useEditorFlow(graph, doc.positions, validation.issues);
  const refit = useCallback(() => setFitKey((k) => k + 1), []);
  const edits = useEditorEdits(doc, effective, { selected, setSelected }, { addTo, setStatus, refit });
  const onLoaded = useCallback(() => {
    setSelected(null);
    refit();
  }, [refit]);
  const versions = useSaveWorkflow({ name: source.name, version: source.version, text: source.yaml }, doc, effective, {
    validateNow: validation.validateNow,
    setIssues: validation.setIssues,
    setStatus,
    onLoaded,
  });
  const { saved, dirty, savedDefinition } = versions;

  // One undo history for both views; CodeMirror and form fields keep their own keys.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (ownsKeys(e.target as HTMLElement)) return;
    const action = historyShortcut(e);
    if (!action) return;
    e.preventDefault();
    if (action === "undo") history.undo();
    else history.redo();
  };

  const pickProblem = useCallback(
    (i: WorkflowIssue) => {
      const hit = [...issueMap.byStep.entries()].find(([, list]) => list.includes(i));
      if (hit) setSelected(hit[0]);
      yamlRef.current?.goTo(i.line, i.col);
    },
    [issueMap],
  );

  const targets = useMemo(() => addTargets(graph), [graph]);
  const selectedStep = selected ? (graph.byKey.get(selected) ?? null) : null;
  const stepIssues = selected ? (issueMap.byStep.get(selected) ?? []) : [];
  const rootIssues = validation.issues.filter((i) => !i.path.startsWith("steps["));

  return (
    // Wider than the app's content column: canvas, YAML and inspector side by side need the room.
    <div className="relative left-1/2 flex w-[calc(100vw-3rem)] max-w-[1800px] -translate-x-1/2 flex-col gap-3" onKeyDown={onKeyDown}>
      <EditorHeading name={saved.name} version={saved.version} stepCount={graph.steps.length} dirty={dirty} readOnlyNote={readOnly && loaded} status={status} />

      <EditorToolbar
        canWrite={canWrite}
        canStart={canStart}
        readOnly={readOnly}
        history={history}
        addTo={addTo}
        onAddTo={setAddTo}
        addTargets={targets}
        onAddStep={edits.addStep}
        hasSelection={selected !== null}
        onDeleteSelected={edits.deleteSelected}
        onRelayout={edits.relayout}
        onValidate={() => validation.validateNow()}
        message={versions.message}
        onMessage={versions.setMessage}
        onSave={versions.onSave}
        saving={versions.saving}
        runnable={Boolean(saved.name) && !dirty && savedDefinition !== null}
        dirty={dirty}
        onRun={() => setRunning(true)}
        named={Boolean(saved.name)}
        showHistory={showHistory}
        onToggleHistory={() => setShowHistory((s) => !s)}
      />

      {canWrite ? <StepPalette onAdd={edits.addStep} /> : null}

      <div className="grid h-[64vh] min-h-[420px] grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)_17rem]">
        <div className="min-h-0 rounded-md border border-slate-300 bg-white">
          <ReactFlowProvider>
            <EditorCanvas nodes={flow.nodes} edges={flow.edges} readOnly={readOnly} events={edits.events} fitKey={fitKey} selected={selected} />
          </ReactFlowProvider>
        </div>
        <YamlPane text={text} issues={validation.allIssues} readOnly={readOnly} onChange={doc.onYamlChange} onUndo={history.undo} onRedo={history.redo} handleRef={yamlRef} />
        <div className="min-h-0 overflow-auto rounded-md border border-slate-200 bg-white p-3">
          <Inspector
            step={selectedStep}
            graph={graph}
            root={root}
            fieldIssues={issueMap.byField}
            stepIssues={stepIssues}
            rootIssues={rootIssues}
            readOnly={readOnly}
            onSetField={edits.onSetField}
            onSetRoot={edits.onSetRoot}
            onToggleNeed={edits.onToggleNeed}
          />
        </div>
      </div>

      <ProblemsList issues={validation.allIssues} onPick={pickProblem} />

      {showHistory && saved.name ? <VersionHistory name={saved.name} current={text} canWrite={canWrite} onRestored={(v) => void versions.onRestored(v)} /> : null}
      {running && saved.name && savedDefinition ? <StartRunDialog workflow={saved.name} version={saved.version} definition={savedDefinition} onClose={() => setRunning(false)} /> : null}
    </div>
  );
}
