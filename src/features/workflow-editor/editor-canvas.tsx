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
import { memo, useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import type { Point } from "./auto-layout";
import type { StepNode } from "./definition-to-flow";
import { NODE_TYPES } from "./step-node";

/**
 * Very big graphs render only what is on screen. Culling recomputes the visible set on every pan
 * frame, so below this size drawing everything is the faster choice (measured with 500 steps).
 */
const CULL_ABOVE = 1000;
const MINIMAP_MAX = 150;
export const PALETTE_MIME = "application/x-wf-step-type";

const ARIA = {
  "node.a11yDescription.default": "Press Enter or Space to select this step; arrow keys move it; Delete removes it.",
  "controls.zoomIn.ariaLabel": "Zoom in",
  "controls.zoomOut.ariaLabel": "Zoom out",
  "controls.fitView.ariaLabel": "Fit view",
  "controls.interactive.ariaLabel": "Lock canvas",
  "minimap.ariaLabel": "Mini map",
};

const FIT_OPTIONS = { padding: 0.15, maxZoom: 1.2 };
const DELETE_KEYS = ["Delete", "Backspace"];
const PRO = { hideAttribution: true };

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
  // Handlers read the latest events through a ref: React Flow gets stable props, so a parent
  // re-render never pushes new handlers into its store (which re-renders every node).
  const ev = useRef(events);
  useEffect(() => {
    ev.current = events;
  });
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
    const t = window.setTimeout(() => void flow.fitView(FIT_OPTIONS), 30);
    return () => window.clearTimeout(t);
  }, [fitKey, flow]);

  const onNodesChange = useCallback(
    (changes: NodeChange<StepNode>[]) => {
      setNodes((ns) => applyNodeChanges(changes, ns));
      const moved: Record<string, Point> = {};
      // Selection by keyboard (Enter on a focused node) arrives here too, not as a click.
      const picked = changes.flatMap((c) => (c.type === "select" && c.selected ? [c.id] : []));
      if (picked.length === 1 && picked[0] !== undefined) ev.current.onSelect(picked[0]);
      for (const c of changes) {
        if (c.type === "position" && c.dragging === false && c.position) moved[c.id] = { x: Math.round(c.position.x), y: Math.round(c.position.y) };
      }
      if (Object.keys(moved).length > 0) ev.current.onMoved(moved);
    },
    [],
  );
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onConnect = useCallback((c: Connection) => ev.current.onConnect(c.source, c.target), []);
  const onNodeClick = useCallback((_: unknown, n: StepNode) => ev.current.onSelect(n.id), []);
  const onPaneClick = useCallback(() => ev.current.onSelect(null), []);
  const onNodesDelete = useCallback((ns: StepNode[]) => ev.current.onDeleteNodes(ns.map((n) => n.id)), []);
  const onEdgesDelete = useCallback((es: Edge[]) => ev.current.onDeleteEdges(es.map((e) => ({ from: e.source, to: e.target }))), []);
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
      ev.current.onDropType(type, { x: Math.round(p.x), y: Math.round(p.y) });
    },
    [flow],
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
        onNodeClick={onNodeClick}
        onPaneClick={onPaneClick}
        onNodesDelete={readOnly ? undefined : onNodesDelete}
        onEdgesDelete={readOnly ? undefined : onEdgesDelete}
        onDragOver={onDragOver}
        onDrop={readOnly ? undefined : onDrop}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
        onlyRenderVisibleElements={fromDoc.length > CULL_ABOVE}
        minZoom={0.05}
        maxZoom={2}
        fitView
        fitViewOptions={FIT_OPTIONS}
        ariaLabelConfig={ARIA}
        proOptions={PRO}
      >
        {/* The dotted background tiles at gap × zoom: zoomed out over a big graph that is ~10^5 dots per frame. */}
        {fromDoc.length <= MINIMAP_MAX ? <Background gap={16} /> : null}
        <Controls showInteractive={false} />
        {fromDoc.length <= MINIMAP_MAX ? <MiniMap pannable zoomable ariaLabel="Mini map" style={{ width: 140, height: 90 }} /> : null}
      </ReactFlow>
    </div>
  );
});
