"use client";
import { useEffect, useRef, type ReactNode } from "react";

/**
 * A modal dialog: role="dialog" with an accessible name, Escape and the backdrop close it, focus
 * moves into it on open and back to the opener on close.
 */
export function Dialog({ label, title, onClose, children, wide = false }: { label: string; title?: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  // The latest onClose without re-running the open effect (which would steal focus while typing).
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const first = ref.current?.querySelector<HTMLElement>("input, select, textarea, button");
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") close.current();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      opener?.focus();
    };
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-6 pt-[10vh]" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={ref} role="dialog" aria-modal="true" aria-label={label} className={`w-full ${wide ? "max-w-2xl" : "max-w-md"} rounded-lg bg-white shadow-xl`}>
        <header className="border-b border-slate-100 px-5 py-3">
          <h2 className="text-base font-semibold">{title ?? label}</h2>
        </header>
        <div className="p-5">{children}</div>
      </div>
    </div>
  );
}
