"use client";
import { useEffect, useMemo, useRef } from "react";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";
import { autoLayout, type Positions } from "./auto-layout";
import { definitionToFlow, type StepNode } from "./definition-to-flow";
import { mapIssues, type EditorGraph } from "./read-graph";
import { reuseNodes } from "./reuse-nodes";

/**
 * What the canvas draws: the graph laid out (saved positions kept, new steps placed), with each
 * step's problems; unchanged nodes keep their objects so only edited nodes re-render.
 */
export function useEditorFlow(graph: EditorGraph, positions: Positions, issues: readonly WorkflowIssue[]) {
  const issueMap = useMemo(() => mapIssues(graph, issues), [graph, issues]);
  const effective = useMemo(() => autoLayout(graph, positions), [graph, positions]);
  const previous = useRef<Map<string, StepNode>>(new Map());
  const flow = useMemo(() => {
    const next = definitionToFlow(graph, effective, issueMap);
    const { nodes, byId } = reuseNodes(previous.current, next.nodes);
    previous.current = byId;
    return { nodes, edges: next.edges };
  }, [graph, effective, issueMap]);
  useEffect(() => {
    // For the benchmark (e2e/editor-bench.spec.ts): when the first canvas of a document was committed.
    if (performance.getEntriesByName("wf-editor:canvas").length === 0) performance.mark("wf-editor:canvas");
  }, []);
  return { issueMap, effective, flow };
}
