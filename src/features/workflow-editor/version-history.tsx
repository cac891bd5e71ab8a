"use client";
import { yaml } from "@codemirror/lang-yaml";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { parse } from "yaml";
import { Button } from "~/components/ui/button";
import { Alert } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";
import { autoLayout } from "./auto-layout";
import { definitionToFlow } from "./definition-to-flow";
import { EditorCanvas, type CanvasEvents } from "./editor-canvas";
import { graphDiff } from "./graph-diff";
import { readGraph } from "./read-graph";

function safeGraph(text: string) {
  try {
    return readGraph(parse(text) as unknown);
  } catch {
    return readGraph(null);
  }
}

/** Side-by-side YAML diff (CodeMirror merge view), both sides read-only. */
function YamlDiff({ before, after, beforeLabel, afterLabel }: { before: string; after: string; beforeLabel: string; afterLabel: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const ext = [lineNumbers(), yaml(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.theme({ "&": { fontSize: "12px" } })];
    const view = new MergeView({
      a: { doc: before, extensions: [...ext, EditorView.contentAttributes.of({ "aria-label": beforeLabel })] },
      b: { doc: after, extensions: [...ext, EditorView.contentAttributes.of({ "aria-label": afterLabel })] },
      parent: host.current,
      gutter: true,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => view.destroy();
  }, [before, after, beforeLabel, afterLabel]);
  return (
    <section aria-label="Version diff (YAML side by side)" className="rounded border border-slate-200">
      <div className="grid grid-cols-2 border-b border-slate-200 bg-slate-50 px-2 py-1 text-xs font-medium text-slate-600">
        <span>{beforeLabel}</span>
        <span>{afterLabel}</span>
      </div>
      <div ref={host} className="max-h-[50vh] overflow-auto" />
    </section>
  );
}

const NOOP: CanvasEvents = { onSelect: () => {}, onConnect: () => {}, onDeleteNodes: () => {}, onDeleteEdges: () => {}, onMoved: () => {}, onDropType: () => {} };

/** The graph of the newer text with added, removed and changed steps coloured. */
function GraphDiff({ before, after }: { before: string; after: string }) {
  const { nodes, edges, counts } = useMemo(() => {
    const { graph, marks } = graphDiff(safeGraph(before), safeGraph(after));
    const flow = definitionToFlow(graph, autoLayout(graph), undefined, { diff: marks });
    const counts = { added: 0, removed: 0, changed: 0 };
    for (const m of marks.values()) counts[m]++;
    return { ...flow, counts };
  }, [before, after]);
  return (
    <section aria-label="Graph diff" className="flex flex-col gap-1">
      <p className="flex gap-3 text-xs" data-testid="graph-diff-legend">
        <span className="text-emerald-700">{counts.added} added</span>
        <span className="text-red-700">{counts.removed} removed</span>
        <span className="text-amber-700">{counts.changed} changed</span>
      </p>
      <div className="h-64 rounded border border-slate-200">
        <ReactFlowProvider>
          <EditorCanvas nodes={nodes} edges={edges} readOnly events={NOOP} label="Graph diff canvas" fitKey={`${before.length}:${after.length}`} />
        </ReactFlowProvider>
      </div>
    </section>
  );
}

/**
 * Version history: every saved version with author and message; compare one with the editor's
 * text (YAML side by side, graph coloured); restore one as a new version.
 */
export function VersionHistory({ name, current, canWrite, onRestored }: { name: string; current: string; canWrite: boolean; onRestored: (version: number) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const versions = useQuery(trpc.workflows.versions.queryOptions({ name }));
  const [compare, setCompare] = useState<number | null>(null);
  const old = useQuery({ ...trpc.workflows.version.queryOptions({ name, version: compare ?? 1 }), enabled: compare !== null });
  const restore = useMutation(
    trpc.workflows.restore.mutationOptions({
      onSuccess: (r) => {
        void qc.invalidateQueries({ queryKey: trpc.workflows.pathKey() });
        onRestored(r.version);
      },
    }),
  );
  return (
    <section aria-label="Version history" className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-3">
      <h2 className="text-sm font-semibold">Version history</h2>
      {versions.error ? <Alert>{versions.error.message}</Alert> : null}
      {restore.error ? <Alert>{restore.error.message}</Alert> : null}
      <ol className="flex flex-col divide-y divide-slate-100 text-xs" aria-label="Versions">
        {versions.data?.map((v) => (
          <li key={v.version} className="flex items-center gap-3 py-1.5">
            <span className="w-10 font-semibold">v{v.version}</span>
            <span className="flex-1 truncate">{v.message ?? <span className="text-slate-400">no message</span>}</span>
            <span className="w-40 truncate text-slate-500">{v.author?.email ?? v.source}</span>
            <span className="w-40 text-slate-500">{v.createdAt.toLocaleString()}</span>
            <Button variant="secondary" className="!px-2 !py-0.5 text-xs" aria-pressed={compare === v.version} onClick={() => setCompare(compare === v.version ? null : v.version)}>
              Compare v{v.version}
            </Button>
            {canWrite ? (
              <Button variant="secondary" className="!px-2 !py-0.5 text-xs" disabled={restore.isPending} onClick={() => restore.mutate({ name, version: v.version })}>
                Restore v{v.version}
              </Button>
            ) : null}
          </li>
        ))}
      </ol>
      {compare !== null && old.data ? (
        <div className="flex flex-col gap-3">
          <YamlDiff before={old.data.yaml} after={current} beforeLabel={`v${old.data.version}`} afterLabel="Editor" />
          <GraphDiff before={old.data.yaml} after={current} />
        </div>
      ) : null}
    </section>
  );
}
