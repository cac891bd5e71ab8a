import type { DragEvent } from "react";
import { STEP_TYPES } from "~/engine/definition/schema";
import { PALETTE_MIME } from "./editor-canvas";

/** One chip per step type: dragged onto the canvas it adds a step there, clicked it adds one. */
export function StepPalette({ onAdd }: { onAdd: (type: string) => void }) {
  return (
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
          onClick={() => onAdd(t)}
          aria-label={`Add ${t} step`}
          className="cursor-grab rounded-full border border-slate-300 bg-white px-2 py-0.5 font-mono hover:border-brand-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
        >
          {t}
        </button>
      ))}
    </div>
  );
}
