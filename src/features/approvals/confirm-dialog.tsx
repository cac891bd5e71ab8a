"use client";
import type { ReactNode } from "react";
import { Button } from "~/components/ui/button";
import { Dialog } from "~/features/runs/dialog";

/** "Are you sure?" for a decision that cannot be undone: the same dialog for reject, skip, retry, cancel and batches. */
export function ConfirmDialog({
  label,
  children,
  confirm,
  back = "Back",
  danger = false,
  busy,
  onCancel,
  onConfirm,
}: {
  label: string;
  children: ReactNode;
  confirm: string;
  back?: string;
  danger?: boolean;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog label={label} onClose={onCancel}>
      <div className="text-sm text-slate-600">{children}</div>
      <div className="mt-5 flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          {back}
        </Button>
        <Button variant={danger ? "danger" : "primary"} disabled={busy} onClick={onConfirm}>
          {confirm}
        </Button>
      </div>
    </Dialog>
  );
}
