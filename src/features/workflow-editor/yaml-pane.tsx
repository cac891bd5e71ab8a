"use client";
import { autocompletion, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { Annotation, Compartment, EditorSelection, EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { memo, useEffect, useRef } from "react";
import { workflowJsonSchema } from "~/engine/definition/json-schema";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";
import { completeAt } from "./schema-completion";

/** Marks changes that came from the canvas (or undo): not echoed back as YAML edits. */
const external = Annotation.define<boolean>();

let schemaCache: Record<string, unknown> | undefined;
function schemaCompletion(ctx: CompletionContext): CompletionResult | null {
  schemaCache ??= workflowJsonSchema();
  const r = completeAt(ctx.state.doc.toString(), ctx.pos, schemaCache);
  if (!r) return null;
  if (r.from === ctx.pos && !ctx.explicit && r.options.every((o) => o.type === "property")) {
    // Do not pop up on every new line; Ctrl+Space asks.
    const line = ctx.state.doc.lineAt(ctx.pos);
    if (line.text.slice(0, ctx.pos - line.from).trim() === "") return null;
  }
  return { from: r.from, options: r.options.map((o) => ({ label: o.label, type: o.type, ...(o.detail ? { detail: o.detail } : {}) })), validFor: /^[\w-]*$/ };
}

function diagnostics(state: EditorState, issues: readonly WorkflowIssue[]): Diagnostic[] {
  const doc = state.doc;
  return issues.flatMap((i) => {
    if (i.line < 1 || i.line > doc.lines) return [];
    const line = doc.line(i.line);
    const from = Math.min(line.to, line.from + Math.max(0, i.col - 1));
    const rest = doc.sliceString(from, line.to);
    const word = /^[^\s,\]}]+/.exec(rest)?.[0].length ?? 0;
    return [{ from, to: Math.min(line.to, from + Math.max(1, word)), severity: "error" as const, message: i.message }];
  });
}

/** Minimal change from `a` to `b` (common head and tail kept), so the cursor and scroll survive. */
function minimalChange(a: string, b: string): { from: number; to: number; insert: string } {
  let head = 0;
  const max = Math.min(a.length, b.length);
  while (head < max && a.charCodeAt(head) === b.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < max - head && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return { from: head, to: a.length - tail, insert: b.slice(head, b.length - tail) };
}

export type YamlPaneHandle = { goTo: (line: number, col: number) => void };

/**
 * The YAML pane: CodeMirror 6 with YAML highlighting, completion from the JSON Schema and the
 * engine's problems as diagnostics. Its text is the editor's document: typing calls `onChange`, and
 * a change from the canvas is applied as a minimal edit. Undo/redo go to the editor's one history.
 */
export const YamlPane = memo(function YamlPane({
  text,
  issues,
  readOnly,
  onChange,
  onUndo,
  onRedo,
  handleRef,
}: {
  text: string;
  issues: readonly WorkflowIssue[];
  readOnly: boolean;
  onChange: (text: string) => void;
  onUndo: () => void;
  onRedo: () => void;
  handleRef?: { current: YamlPaneHandle | null };
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onUndo, onRedo });
  const readOnlyConf = useRef(new Compartment());
  const latest = useRef({ text, issues, readOnly });
  useEffect(() => {
    callbacks.current = { onChange, onUndo, onRedo };
    latest.current = { text, issues, readOnly };
  });

  useEffect(() => {
    // Created after the canvas's first frame: on a big workflow the canvas is interactive first.
    let cancelled = false;
    let created: EditorView | null = null;
    const frame = requestAnimationFrame(() => window.setTimeout(() => {
      if (!cancelled) created = create();
    }, 0));
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      created?.destroy();
      view.current = null;
    };
  }, []);

  function create(): EditorView | null {
    if (!host.current) return null;
    const { text, readOnly } = latest.current;
    const undoKeys = keymap.of([
      { key: "Mod-z", run: () => (callbacks.current.onUndo(), true), preventDefault: true },
      { key: "Mod-Shift-z", run: () => (callbacks.current.onRedo(), true), preventDefault: true },
      { key: "Mod-y", run: () => (callbacks.current.onRedo(), true), preventDefault: true },
    ]);
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          yaml(),
          lintGutter(),
          autocompletion({ override: [schemaCompletion], icons: false }),
          undoKeys,
          keymap.of([...completionKeymap, ...defaultKeymap, indentWithTab]),
          readOnlyConf.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          EditorState.tabSize.of(2),
          EditorView.contentAttributes.of({ "aria-label": "YAML source", "aria-multiline": "true" }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged || u.transactions.some((t) => t.annotation(external))) return;
            callbacks.current.onChange(u.state.doc.toString());
          }),
          EditorView.theme({ "&": { height: "100%", fontSize: "12px" }, ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, monospace" } }),
        ],
      }),
    });
    view.current = v;
    v.dispatch(setDiagnostics(v.state, diagnostics(v.state, latest.current.issues)));
    if (handleRef) {
      handleRef.current = {
        goTo: (line, col) => {
          const l = v.state.doc.line(Math.max(1, Math.min(line, v.state.doc.lines)));
          const pos = Math.min(l.to, l.from + Math.max(0, col - 1));
          v.dispatch({ selection: EditorSelection.cursor(pos), scrollIntoView: true });
          v.focus();
        },
      };
    }
    return v;
    // Created once; text/readOnly/issues flow in through the effects below.
  }

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current === text) return;
    v.dispatch({ changes: minimalChange(current, text), annotations: external.of(true) });
  }, [text]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnostics(v.state, issues)));
  }, [issues, text]);

  useEffect(() => {
    view.current?.dispatch({ effects: readOnlyConf.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]) });
  }, [readOnly]);

  return (
    <section aria-label="YAML" className="flex h-full min-h-0 flex-col overflow-hidden rounded-md border border-slate-300 bg-white">
      <header className="flex items-center justify-between border-b border-slate-200 px-3 py-1 text-xs text-slate-500">
        <span className="font-semibold text-slate-700">YAML</span>
        <span>{readOnly ? "read-only" : "Ctrl+Space: complete"}</span>
      </header>
      <div ref={host} className="min-h-0 flex-1 overflow-hidden" data-testid="yaml-editor" />
    </section>
  );
});
