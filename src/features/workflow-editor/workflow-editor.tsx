"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import { parseDocument } from "yaml";
import { Button } from "~/components/ui/button";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import { STEP_TYPES } from "~/engine/definition/schema";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";
import { usePermissions } from "~/features/shared/use-permissions";
import { StartRunDialog } from "~/features/workflows/start-run-dialog";
import { useTRPC } from "~/trpc/react";
import { autoLayout, NODE_W, type Point, type Positions } from "./auto-layout";
import { definitionToFlow, type StepNode } from "./definition-to-flow";
import { EditorCanvas, PALETTE_MIME, type CanvasEvents } from "./editor-canvas";
import { Inspector } from "./inspector";
import { CONTAINER_TYPES, mapIssues, readGraph, type EditorGraph } from "./read-graph";
import { newStepBody } from "./step-fields";
import { useTextHistory } from "./use-history";
import { VersionHistory } from "./version-history";
import { applyOp, freshStepId, type DocOp, type StepParent } from "./yaml-doc";
import { YamlPane, type YamlPaneHandle } from "./yaml-pane";

/** Validation runs this long after the last edit (the canvas itself updates at once). */
const VALIDATE_DEBOUNCE_MS = 150;

export type EditorSource = {
  /** The saved workflow's name; undefined for a new one. */
  name?: string;
  /** The version the text was loaded from (0 = new). */
  version: number;
  yaml: string;
  positions: Positions;
};

type Parsed = { ok: true; data: unknown } | { ok: false; message: string; line: number; col: number };

function parseText(text: string): Parsed {
  const doc = parseDocument(text, { logLevel: "silent", prettyErrors: false });
  const e = doc.errors[0];
  if (e) return { ok: false, message: e.message.split("\n")[0] ?? "YAML syntax error", line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col ?? 1 };
  return { ok: true, data: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

function sameNode(a: StepNode, b: StepNode): boolean {
  return (
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.width === b.width &&
    a.height === b.height &&
    a.parentId === b.parentId &&
    a.data.inCycle === b.data.inCycle &&
    a.data.problems.join("\n") === b.data.problems.join("\n") &&
    a.data.step.key === b.data.step.key &&
    a.data.step.path === b.data.step.path &&
    JSON.stringify(a.data.step.raw) === JSON.stringify(b.data.step.raw)
  );
}

function ProblemsList({ issues, onPick }: { issues: readonly WorkflowIssue[]; onPick: (i: WorkflowIssue) => void }) {
  return (
    <section aria-label="Problems" className="rounded-md border border-slate-200 bg-white" tabIndex={-1} id="editor-problems">
      <h2 className="border-b border-slate-100 px-3 py-1.5 text-xs font-semibold">
        Problems <span className={issues.length ? "text-red-700" : "text-emerald-700"}>({issues.length})</span>
      </h2>
      {issues.length === 0 ? (
        <p className="px-3 py-2 text-xs text-emerald-700">No problems: the engine's validator accepts this workflow.</p>
      ) : (
        <ul className="max-h-40 overflow-auto text-xs">
          {issues.map((i, n) => (
            <li key={n}>
              <button type="button" className="flex w-full gap-2 px-3 py-1 text-left hover:bg-red-50 focus:bg-red-50 focus:outline-none" onClick={() => onPick(i)}>
                <span className="shrink-0 font-mono text-slate-500">
                  {i.line}:{i.col}
                </span>
                <span className="text-red-800">{i.message}</span>
                {i.path ? <span className="ml-auto shrink-0 font-mono text-slate-400">{i.path}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The visual editor: canvas and YAML pane over one document (the YAML text). Canvas edits are
 * minimal text splices (yaml-doc.ts), the canvas is re-read from the text, the engine validates it
 * in the browser, and Save stores the text with the node positions as a new version.
 */
export function WorkflowEditor({ source }: { source: EditorSource }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { canWrite, canStart, loaded } = usePermissions();
  const readOnly = !canWrite;
  const history = useTextHistory(source.yaml);
  const { text, commit } = history;
  const [saved, setSaved] = useState({ name: source.name, version: source.version, text: source.yaml });
  const [positions, setPositions] = useState<Positions>(source.positions);
  const [layoutDirty, setLayoutDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  // Filled by the debounced validation below: the first paint of a big workflow does not wait for it.
  const [issues, setIssues] = useState<WorkflowIssue[]>([]);
  const [status, setStatus] = useState<{ kind: "info" | "error" | "success"; text: string } | null>(null);
  const [message, setMessage] = useState("");
  const [addType, setAddType] = useState<string>("shell");
  const [addTo, setAddTo] = useState<string>("");
  const [fitKey, setFitKey] = useState(0);
  const [running, setRunning] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const yamlRef = useRef<YamlPaneHandle | null>(null);

  // ---- the document, read -----------------------------------------------------------------------
  const parsed = useMemo(() => parseText(text), [text]);
  const lastGood = useRef<{ graph: EditorGraph; data: unknown }>({ graph: readGraph(null), data: {} });
  const { graph, data } = useMemo(() => {
    if (parsed.ok) lastGood.current = { graph: readGraph(parsed.data), data: parsed.data };
    return lastGood.current;
  }, [parsed]);
  const root = useMemo(() => (data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {}), [data]);

  useEffect(() => {
    const t = window.setTimeout(() => {
      const errors = loadWorkflow(text).errors;
      // No problems before and after: keep the same array so the canvas is not rebuilt.
      setIssues((prev) => (prev.length === 0 && errors.length === 0 ? prev : errors));
    }, VALIDATE_DEBOUNCE_MS);
    return () => window.clearTimeout(t);
  }, [text]);

  const issueMap = useMemo(() => mapIssues(graph, issues), [graph, issues]);
  const effective = useMemo(() => autoLayout(graph, positions), [graph, positions]);
  const previous = useRef<Map<string, StepNode>>(new Map());
  const flow = useMemo(() => {
    const next = definitionToFlow(graph, effective, issueMap);
    // Keep the node objects whose content did not change: memo'd node components skip them, so an
    // edit of one step re-renders one node, not all 500.
    const reused = new Map<string, StepNode>();
    const nodes = next.nodes.map((n) => {
      const old = previous.current.get(n.id);
      const same = old !== undefined && sameNode(old, n);
      const keep = same ? old : n;
      reused.set(n.id, keep);
      return keep;
    });
    previous.current = reused;
    return { nodes, edges: next.edges };
  }, [graph, effective, issueMap]);
  useEffect(() => {
    // For the benchmark (e2e/editor-bench.spec.ts): when the first canvas of a document was committed.
    if (performance.getEntriesByName("wf-editor:canvas").length === 0) performance.mark("wf-editor:canvas");
  }, []);
  const selectedStep = selected ? (graph.byKey.get(selected) ?? null) : null;
  const dirty = text !== saved.text || layoutDirty;
  const workflowName = typeof root["name"] === "string" ? root["name"] : "";

  // ---- editing ----------------------------------------------------------------------------------
  const textRef = useRef(text);
  textRef.current = text;
  /** Applies one operation; returns an error message or null. */
  const apply = useCallback(
    (op: DocOp, coalesce: string | null = null): string | null => {
      if (readOnly) return "read-only: your role may not edit workflows";
      const r = applyOp(textRef.current, op);
      if (!r.ok) {
        setStatus({ kind: "error", text: r.error });
        return r.error;
      }
      textRef.current = r.text;
      commit(r.text, coalesce);
      setStatus(null);
      return null;
    },
    [commit, readOnly],
  );

  const stepIdOf = useCallback((key: string) => graph.byKey.get(key)?.id ?? key, [graph]);

  const addStep = useCallback(
    (type: string, at?: Point) => {
      const taken = new Set(graph.steps.map((s) => s.id));
      const id = freshStepId(type, taken);
      const childId = (base: string): string => {
        let c = base;
        for (let i = 2; taken.has(c) || c === id; i++) c = `${base}${i}`;
        taken.add(c);
        return c;
      };
      const parentStep = addTo ? graph.byKey.get(addTo.split("|")[0] ?? "") : undefined;
      const parent: StepParent | undefined = parentStep ? { id: parentStep.id, branch: (addTo.split("|")[1] ?? "steps") as StepParent["branch"] } : undefined;
      const error = apply({ kind: "addStep", step: newStepBody(type, id, childId), ...(parent ? { parent } : {}) });
      if (error) return;
      // Place it where it was dropped, else right of the selected step, else after the rightmost one.
      let p = at;
      if (!p && !parent) {
        const sel = selected ? effective[selected] : undefined;
        if (sel && !graph.byKey.get(selected ?? "")?.parent) p = { x: sel.x + NODE_W + 56, y: sel.y + 24 };
        else {
          const top = graph.steps.filter((s) => s.parent === undefined);
          const maxX = Math.max(-NODE_W - 56, ...top.map((s) => effective[s.key]?.x ?? 0));
          p = { x: maxX + NODE_W + 56, y: 16 };
        }
      }
      if (p && !parent) setPositions((prev) => ({ ...prev, [id]: p }));
      setSelected(id);
      setStatus({ kind: "info", text: `Added step ${id}` });
    },
    [addTo, apply, effective, graph, selected],
  );

  const events: CanvasEvents = useMemo(
    () => ({
      onSelect: setSelected,
      onConnect: (from, to) => void apply({ kind: "addEdge", from: stepIdOf(from), to: stepIdOf(to) }),
      onDeleteNodes: (keys) => {
        // React Flow also deletes the children of a deleted container: removing the container does that.
        const set = new Set(keys);
        const inside = (k: string): boolean => {
          for (let p = graph.byKey.get(k)?.parent; p !== undefined; p = graph.byKey.get(p)?.parent) if (set.has(p)) return true;
          return false;
        };
        for (const k of keys) if (!inside(k)) apply({ kind: "removeStep", id: stepIdOf(k) });
        setSelected(null);
      },
      onDeleteEdges: (edges) => {
        for (const e of edges) apply({ kind: "removeEdge", from: stepIdOf(e.from), to: stepIdOf(e.to) });
      },
      onMoved: (moves) => {
        if (readOnly) return;
        setPositions((prev) => ({ ...prev, ...moves }));
        setLayoutDirty(true);
      },
      onDropType: (type, at) => addStep(type, at),
    }),
    [addStep, apply, graph, readOnly, stepIdOf],
  );

  const onSetField = useCallback(
    (key: string, path: string[], value: unknown): string | null => {
      const id = stepIdOf(key);
      if (path[0] === "id") {
        if (typeof value !== "string" || value === id) return null;
        const error = apply({ kind: "renameStep", from: id, to: value });
        if (!error) {
          setPositions((prev) => {
            const { [id]: at, ...rest } = prev;
            return at ? { ...rest, [value]: at } : rest;
          });
          setSelected(value);
        }
        return error;
      }
      return apply({ kind: "setStepField", id, path, value }, `field:${key}:${path.join(".")}`);
    },
    [apply, stepIdOf],
  );
  const onSetRoot = useCallback((path: string[], value: unknown) => apply({ kind: "setRootField", path, value }, `root:${path.join(".")}`), [apply]);
  const onToggleNeed = useCallback(
    (key: string, need: string, on: boolean) => apply(on ? { kind: "addEdge", from: need, to: stepIdOf(key) } : { kind: "removeEdge", from: need, to: stepIdOf(key) }),
    [apply, stepIdOf],
  );
  const onYamlChange = useCallback((t: string) => commit(t, "yaml"), [commit]);

  const deleteSelected = useCallback(() => {
    if (!selected) return;
    const id = stepIdOf(selected);
    if (!apply({ kind: "removeStep", id })) {
      setSelected(null);
      setStatus({ kind: "info", text: `Deleted step ${id}` });
    }
  }, [apply, selected, stepIdOf]);

  const relayout = useCallback(() => {
    setPositions(autoLayout(graph, {}, true));
    setLayoutDirty(true);
    setFitKey((k) => k + 1);
  }, [graph]);

  const validateNow = useCallback(() => {
    const errors = loadWorkflow(text).errors;
    setIssues(errors);
    setStatus(errors.length === 0 ? { kind: "success", text: "Valid: no problems." } : { kind: "error", text: `${errors.length} problem${errors.length === 1 ? "" : "s"}: see the Problems list.` });
    return errors;
  }, [text]);

  // ---- saving -----------------------------------------------------------------------------------
  const save = useMutation(
    trpc.workflows.save.mutationOptions({
      onSuccess: (r, input) => {
        setSaved({ name: r.name, version: r.version, text: input.yaml });
        setLayoutDirty(false);
        setMessage("");
        setStatus({ kind: "success", text: r.created ? `Saved ${r.name} v${r.version}` : `No changes: ${r.name} stays at v${r.version}` });
        void qc.invalidateQueries({ queryKey: trpc.workflows.pathKey() });
        // A new (or renamed) workflow: its own address, without remounting the editor (undo history stays).
        const path = `/workflows/${encodeURIComponent(r.name)}/edit`;
        if (window.location.pathname !== path) window.history.replaceState(null, "", path);
      },
      onError: (e) => {
        const details = (e.data as { details?: { errors?: WorkflowIssue[] } } | undefined)?.details;
        if (details?.errors) setIssues(details.errors);
        setStatus({ kind: "error", text: `Not saved: ${e.message}` });
      },
    }),
  );
  const onSave = useCallback(() => {
    const errors = validateNow();
    if (errors.length > 0) {
      setStatus({ kind: "error", text: `Not saved: fix the ${errors.length} problem${errors.length === 1 ? "" : "s"} first (see Problems).` });
      document.getElementById("editor-problems")?.focus();
      return;
    }
    save.mutate({
      yaml: text,
      ...(message.trim() ? { message: message.trim() } : {}),
      layout: { positions: effective },
      ...(saved.name === workflowName ? { baseVersion: saved.version } : saved.name === undefined ? { baseVersion: 0 } : {}),
    });
  }, [effective, message, save, saved, text, validateNow, workflowName]);

  const onRestored = useCallback(
    async (version: number) => {
      if (!saved.name) return;
      const v = await qc.fetchQuery(trpc.workflows.version.queryOptions({ name: saved.name, version }));
      history.reset(v.yaml);
      setSaved({ name: v.name, version: v.version, text: v.yaml });
      setPositions(v.layout?.positions ?? {});
      setLayoutDirty(false);
      setSelected(null);
      setFitKey((k) => k + 1);
      setStatus({ kind: "success", text: `Restored as v${v.version}` });
    },
    [history, qc, saved.name, trpc],
  );

  const savedDefinition = useMemo(() => {
    const r = loadWorkflow(saved.text);
    return r.ok ? (r.definition as unknown as Record<string, unknown>) : null;
  }, [saved.text]);

  // ---- keyboard: one undo history for both views ----------------------------------------------------
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const t = e.target as HTMLElement;
    if (t.closest(".cm-editor") || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      e.preventDefault();
      if (e.shiftKey) history.redo();
      else history.undo();
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y") {
      e.preventDefault();
      history.redo();
    }
  };

  const pickProblem = useCallback(
    (i: WorkflowIssue) => {
      const hit = [...issueMap.byStep.entries()].find(([, list]) => list.includes(i));
      if (hit) setSelected(hit[0]);
      yamlRef.current?.goTo(i.line, i.col);
    },
    [issueMap],
  );

  const containers = graph.steps.filter((s) => CONTAINER_TYPES.has(s.type) && s.id);
  const stepCount = graph.steps.length;
  const stepIssues = selected ? (issueMap.byStep.get(selected) ?? []) : [];
  const rootIssues = issues.filter((i) => !i.path.startsWith("steps["));
  const allIssues = parsed.ok || issues.some((i) => i.code === "yaml_syntax") ? issues : [{ line: parsed.line, col: parsed.col, path: "", code: "yaml_syntax" as const, message: `YAML syntax error: ${parsed.message}` }, ...issues];

  return (
    // Wider than the app's content column: canvas, YAML and inspector side by side need the room.
    <div className="relative left-1/2 flex w-[calc(100vw-3rem)] max-w-[1800px] -translate-x-1/2 flex-col gap-3" onKeyDown={onKeyDown}>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{saved.name ? `Edit ${saved.name}` : "New workflow"}</h1>
          <p className="text-sm text-slate-500">
            {saved.version > 0 ? `v${saved.version}` : "not saved yet"} · {stepCount} step{stepCount === 1 ? "" : "s"}
            {dirty ? " · unsaved changes" : ""}
            {readOnly && loaded ? " · read-only: your role may view this workflow, not edit it" : ""}
          </p>
        </div>
        <div role="status" aria-live="polite" className={`min-h-5 text-sm ${status?.kind === "error" ? "text-red-700" : status?.kind === "success" ? "text-emerald-700" : "text-slate-600"}`} data-testid="editor-status">
          {status?.text ?? ""}
        </div>
      </div>

      <div role="toolbar" aria-label="Editor" className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-white p-2">
        <Button variant="secondary" onClick={history.undo} disabled={readOnly || !history.canUndo} aria-keyshortcuts="Control+Z">
          Undo
        </Button>
        <Button variant="secondary" onClick={history.redo} disabled={readOnly || !history.canRedo} aria-keyshortcuts="Control+Shift+Z">
          Redo
        </Button>
        <span className="mx-1 h-6 w-px bg-slate-200" aria-hidden="true" />
        {canWrite ? (
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
              <select className="rounded border border-slate-300 px-1 py-1 text-xs" value={addTo} onChange={(e) => setAddTo(e.target.value)}>
                <option value="">workflow</option>
                {containers.flatMap((c) =>
                  c.type === "parallel"
                    ? [<option key={c.key} value={`${c.key}|steps`}>{`${c.id} (parallel)`}</option>]
                    : [
                        <option key={`${c.key}t`} value={`${c.key}|then`}>{`${c.id} then`}</option>,
                        <option key={`${c.key}e`} value={`${c.key}|else`}>{`${c.id} else`}</option>,
                      ],
                )}
              </select>
            </label>
            <Button onClick={() => addStep(addType)}>Add step</Button>
            <Button variant="secondary" onClick={deleteSelected} disabled={!selected}>
              Delete step
            </Button>
          </>
        ) : null}
        <Button variant="secondary" onClick={relayout} disabled={readOnly}>
          Auto layout
        </Button>
        <Button variant="secondary" onClick={() => validateNow()}>
          Validate
        </Button>
        <span className="mx-1 h-6 w-px bg-slate-200" aria-hidden="true" />
        {canWrite ? (
          <>
            <input aria-label="Version message" placeholder="Version message" className="w-48 rounded border border-slate-300 px-2 py-1 text-xs" value={message} onChange={(e) => setMessage(e.target.value)} maxLength={500} />
            <Button onClick={onSave} disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save"}
            </Button>
          </>
        ) : null}
        {canStart ? (
          <Button variant="secondary" onClick={() => setRunning(true)} disabled={!saved.name || dirty || !savedDefinition} aria-haspopup="dialog" aria-describedby={dirty ? "run-hint" : undefined}>
            Run
          </Button>
        ) : null}
        {dirty && canStart ? (
          <span id="run-hint" className="text-[11px] text-slate-500">
            Save to run your changes
          </span>
        ) : null}
        {saved.name ? (
          <Button variant="ghost" onClick={() => setShowHistory((s) => !s)} aria-expanded={showHistory}>
            History
          </Button>
        ) : null}
      </div>

      {canWrite ? (
        <div role="group" aria-label="Palette" className="flex flex-wrap items-center gap-1.5 text-xs">
          <span className="text-slate-500">Palette (drag onto the canvas or click):</span>
          {STEP_TYPES.map((t) => (
            <button
              key={t}
              type="button"
              draggable
              onDragStart={(e: DragEvent) => {
                e.dataTransfer.setData(PALETTE_MIME, t);
                e.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => addStep(t)}
              aria-label={`Add ${t} step`}
              className="cursor-grab rounded-full border border-slate-300 bg-white px-2 py-0.5 font-mono hover:border-brand-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
            >
              {t}
            </button>
          ))}
        </div>
      ) : null}

      <div className="grid h-[64vh] min-h-[420px] grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)_17rem]">
        <div className="min-h-0 rounded-md border border-slate-300 bg-white">
          <ReactFlowProvider>
            <EditorCanvas nodes={flow.nodes} edges={flow.edges} readOnly={readOnly} events={events} fitKey={fitKey} selected={selected} />
          </ReactFlowProvider>
        </div>
        <YamlPane text={text} issues={allIssues} readOnly={readOnly} onChange={onYamlChange} onUndo={history.undo} onRedo={history.redo} handleRef={yamlRef} />
        <div className="min-h-0 overflow-auto rounded-md border border-slate-200 bg-white p-3">
          <Inspector
            step={selectedStep}
            graph={graph}
            root={root}
            fieldIssues={issueMap.byField}
            stepIssues={stepIssues}
            rootIssues={rootIssues}
            readOnly={readOnly}
            onSetField={onSetField}
            onSetRoot={onSetRoot}
            onToggleNeed={onToggleNeed}
          />
        </div>
      </div>

      <ProblemsList issues={allIssues} onPick={pickProblem} />

      {showHistory && saved.name ? <VersionHistory name={saved.name} current={text} canWrite={canWrite} onRestored={(v) => void onRestored(v)} /> : null}
      {running && saved.name && savedDefinition ? <StartRunDialog workflow={saved.name} version={saved.version} definition={savedDefinition} onClose={() => setRunning(false)} /> : null}
    </div>
  );
}
