"use client";
import { memo } from "react";
import { topologicalSort } from "~/engine/graph/topological-sort";
import { STEP_STATUS_DOT, statusLabel } from "~/features/shared/status-style";
import type { RunStep } from "./run-types";

const W = 128;
const H = 40;
const GAP_X = 36;
const GAP_Y = 14;

type Placed = { step: RunStep; x: number; y: number };

/**
 * Layered layout: a step's column is one more than the deepest of its needs (in topological order,
 * from the engine's graph code). Positions are computed, so edges are drawn without measuring the DOM.
 */
export function layoutSteps(steps: readonly RunStep[]): { nodes: Placed[]; width: number; height: number } {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const needsOf = (id: string) => (byId.get(id)?.needs ?? []).filter((n) => byId.has(n));
  const order = topologicalSort([...byId.keys()], needsOf) ?? [...byId.keys()];
  const level = new Map<string, number>();
  for (const id of order) level.set(id, Math.max(-1, ...needsOf(id).map((n) => level.get(n) ?? 0)) + 1);
  const rows = new Map<number, number>();
  const nodes = steps.map((step) => {
    const col = level.get(step.id) ?? 0;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    return { step, x: col * (W + GAP_X), y: row * (H + GAP_Y) };
  });
  const cols = Math.max(0, ...level.values()) + 1;
  const maxRows = Math.max(1, ...rows.values());
  return { nodes, width: cols * W + (cols - 1) * GAP_X, height: maxRows * H + (maxRows - 1) * GAP_Y };
}

export const RunGraph = memo(function RunGraph({ steps, selected, onSelect }: { steps: readonly RunStep[]; selected: string | null; onSelect: (id: string) => void }) {
  const { nodes, width, height } = layoutSteps(steps);
  const at = new Map(nodes.map((n) => [n.step.id, n]));
  return (
    <figure aria-label="Step graph" className="overflow-x-auto">
      <div className="relative" style={{ width, height }}>
        <svg className="pointer-events-none absolute inset-0" width={width} height={height} aria-hidden="true">
          {nodes.flatMap((n) =>
            n.step.needs.flatMap((need) => {
              const from = at.get(need);
              if (!from) return [];
              const x1 = from.x + W;
              const y1 = from.y + H / 2;
              const x2 = n.x;
              const y2 = n.y + H / 2;
              const mid = (x1 + x2) / 2;
              return [<path key={`${need}->${n.step.id}`} d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} fill="none" stroke="#94a3b8" strokeWidth={1.5} />];
            }),
          )}
        </svg>
        {nodes.map(({ step, x, y }) => (
          <button
            key={step.id}
            type="button"
            onClick={() => onSelect(step.id)}
            aria-label={`${step.id} in graph, ${statusLabel(step.status)}`}
            aria-pressed={selected === step.id}
            className={`absolute flex items-center gap-2 rounded-md border bg-white px-2 text-left text-xs shadow-sm hover:border-brand-500 ${selected === step.id ? "border-brand-500 ring-2 ring-brand-100" : "border-slate-300"}`}
            style={{ left: x, top: y, width: W, height: H }}
          >
            <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${STEP_STATUS_DOT[step.status]}`} aria-hidden="true" />
            <span className="min-w-0">
              <span className="block truncate font-mono font-medium">{step.id}</span>
              <span className="block truncate text-[10px] text-slate-500">{step.type}</span>
            </span>
          </button>
        ))}
      </div>
    </figure>
  );
});
