"use client";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { StepNode } from "./definition-to-flow";

const DIFF_STYLE = {
  added: "border-emerald-500 bg-emerald-50",
  removed: "border-red-500 bg-red-50 border-dashed opacity-80",
  changed: "border-amber-500 bg-amber-50",
} as const;

function frame(data: StepNode["data"], selected: boolean): string {
  if (data.diff) return DIFF_STYLE[data.diff];
  if (data.inCycle) return "border-red-600 bg-red-50 ring-2 ring-red-300";
  if (data.problems.length > 0) return "border-red-400 bg-white";
  return selected ? "border-brand-600 bg-white ring-2 ring-brand-500/40" : "border-slate-300 bg-white";
}

function ProblemBadge({ data }: { data: StepNode["data"] }) {
  if (data.problems.length === 0) return null;
  return (
    <span className="rounded bg-red-600 px-1.5 text-[10px] font-semibold text-white" title={data.problems.join("\n")} data-testid="node-problems">
      {data.problems.length} {data.problems.length === 1 ? "problem" : "problems"}
    </span>
  );
}

/** A leaf step. memo'd: a 500-step canvas re-renders only the nodes whose data changed. */
export const StepNodeView = memo(function StepNodeView({ data, selected, isConnectable }: NodeProps<StepNode>) {
  const { step } = data;
  return (
    <div className={`flex h-full w-full flex-col justify-center rounded-md border px-3 py-1.5 text-xs ${frame(data, selected)}`} data-step={step.key} data-in-cycle={data.inCycle || undefined} data-diff={data.diff}>
      <Handle type="target" position={Position.Left} isConnectable={isConnectable} aria-label={`Needs of ${step.id}`} />
      <div className="flex items-center justify-between gap-2">
        <span className="truncate font-semibold text-slate-900">{step.id || step.path}</span>
        <span className="shrink-0 rounded bg-slate-100 px-1 font-mono text-[10px] text-slate-600">{step.type || "?"}</span>
      </div>
      <div className="flex items-center justify-between gap-2 text-[10px] text-slate-500">
        <span className="truncate">{step.branch && step.branch !== "steps" ? `${step.branch} · ` : ""}{step.condition ? `if ${step.condition}` : (step.name ?? "")}</span>
        <ProblemBadge data={data} />
      </div>
      <Handle type="source" position={Position.Right} isConnectable={isConnectable} aria-label={`Connect from ${step.id}`} />
    </div>
  );
});

/** A parallel or conditional step: a container drawn around its children. */
export const GroupNodeView = memo(function GroupNodeView({ data, selected, isConnectable }: NodeProps<StepNode>) {
  const { step } = data;
  const title = data.kind === "group" && data.container === "conditional" ? `if ${step.condition ?? "?"}` : `parallel · wait_for: ${String(step.raw["wait_for"] ?? "all")}`;
  return (
    <div className={`h-full w-full rounded-lg border-2 ${data.diff ? DIFF_STYLE[data.diff] : data.inCycle ? "border-red-600 bg-red-50/40" : selected ? "border-brand-600 bg-brand-50/40" : "border-slate-300 bg-slate-50/60"}`} data-step={step.key} data-in-cycle={data.inCycle || undefined} data-diff={data.diff}>
      <Handle type="target" position={Position.Left} isConnectable={isConnectable} aria-label={`Needs of ${step.id}`} />
      <div className="flex items-center justify-between gap-2 px-3 py-1.5 text-xs">
        <span className="truncate font-semibold text-slate-900">{step.id || step.path}</span>
        <span className="truncate font-mono text-[10px] text-slate-600">{title}</span>
        <ProblemBadge data={data} />
      </div>
      <Handle type="source" position={Position.Right} isConnectable={isConnectable} aria-label={`Connect from ${step.id}`} />
    </div>
  );
});

export const NODE_TYPES = { step: StepNodeView, group: GroupNodeView };
