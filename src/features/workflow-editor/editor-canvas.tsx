"use client";
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useCallback, useEffect, useState, type DragEvent } from "react";
import type { Point } from "./auto-layout";
import type { StepNode } from "./definition-to-flow";
import { NODE_TYPES } from "./step-node";

/** Big graphs render only what is on screen (React Flow culls the rest). */
const CULL_ABOVE = 150;
export const PALETTE_MIME = "application/x-wf-step-type";

const ARIA = {
  "node.a11yDescription.default": "Press Enter or Space to select this step; arrow keys move it; Delete removes it.",
  "controls.zoomIn.ariaLabel": "Zoom in",
  "controls.zoomOut.ariaLabel": "Zoom out",
  "controls.fitView.ariaLabel": "Fit view",
  "controls.interactive.ariaLabel": "Lock canvas",
  "minimap.ariaLabel": "Mini map",
};

export type CanvasEvents = {
  onSelect: (key: string | null) => void;
  onConnect: (from: string, to: string) => void;
  onDeleteNodes: (keys: string[]) => void;
  onDeleteEdges: (edges: { from: string; to: string }[]) => void;
  onMoved: (moves: Record<string, Point>) => void;
  onDropType: (type: string, at: Point) => void;
};

/**
 * The canvas. Nodes and edges come from the document (props); React Flow's own changes (drag,
 * selection, measured sizes) are applied locally and only a finished drag goes back up, as layout.
 */
export const EditorCanvas = memo(function EditorCanvas({
  nodes: fromDoc,
  edges: edgesFromDoc,
  readOnly,
  events,
  label = "Workflow canvas",
  fitKey,
  selected = null,
}: {
  nodes: StepNode[];
  edges: Edge[];
  readOnly: boolean;
  events: CanvasEvents;
  label?: string;
  /** Changing it fits the view (a loaded version, Auto layout). */
  fitKey?: string | number;
  /** The selected step (from the inspector, problems list or a click). */
  selected?: string | null;
}) {
  const [nodes, setNodes] = useState<StepNode[]>(fromDoc);
  const [edges, setEdges] = useState<Edge[]>(edgesFromDoc);
  const flow = useReactFlow();
  useEffect(() => {
    setNodes(selected === null ? fromDoc : fromDoc.map((n) => (n.id === selected ? { ...n, selected: true } : n)));
    // selection is applied below without rebuilding every node
    // (fromDoc changes on every document edit; selected on every click)
  }, [fromDoc]);
  useEffect(() => {
    setNodes((ns) => ns.map((n) => ((n.selected ?? false) === (n.id === selected) ? n : { ...n, selected: n.id === selected })));
  }, [selected]);
  useEffect(() => setEdges(edgesFromDoc), [edgesFromDoc]);
  useEffect(() => {
    if (fitKey === undefined) return;
    const t = window.setTimeout(() => void flow.fitView({ padding: 0.15, maxZoom: 1.2 }), 30);
    return () => window.clearTimeout(t);
  }, [fitKey, flow]);

  const onNodesChange = useCallback(
    (changes: NodeChange<StepNode>[]) => {
      setNodes((ns) => applyNodeChanges(changes, ns));
      const moved: Record<string, Point> = {};
      for (const c of changes) {
        if (c.type === "position" && c.dragging === false && c.position) moved[c.id] = { x: Math.round(c.position.x), y: Math.round(c.position.y) };
      }
      if (Object.keys(moved).length > 0) events.onMoved(moved);
    },
    [events],
  );
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onConnect = useCallback((c: Connection) => events.onConnect(c.source, c.target), [events]);
  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  }, []);
  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(PALETTE_MIME);
      if (!type) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      events.onDropType(type, { x: Math.round(p.x), y: Math.round(p.y) });
    },
    [events, flow],
  );

  return (
    <div className="h-full w-full" aria-label={label} role="region" data-testid="canvas" data-node-count={fromDoc.length}>
      <ReactFlow<StepNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={readOnly ? undefined : onConnect}
        onNodeClick={(_, n) => events.onSelect(n.id)}
        onPaneClick={() => events.onSelect(null)}
        onNodesDelete={readOnly ? undefined : (ns) => events.onDeleteNodes(ns.map((n) => n.id))}
        onEdgesDelete={readOnly ? undefined : (es) => events.onDeleteEdges(es.map((e) => ({ from: e.source, to: e.target })))}
        onSelectionChange={({ nodes: sel }) => {
          if (sel.length === 1 && sel[0]) events.onSelect(sel[0].id);
        }}
        onDragOver={onDragOver}
        onDrop={readOnly ? undefined : onDrop}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
        onlyRenderVisibleElements={fromDoc.length > CULL_ABOVE}
        minZoom={0.05}
        maxZoom={2}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
        ariaLabelConfig={ARIA}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} />
        <Controls showInteractive={false} />
        {fromDoc.length <= CULL_ABOVE ? <MiniMap pannable zoomable ariaLabel="Mini map" /> : null}
      </ReactFlow>
    </div>
  );
});
