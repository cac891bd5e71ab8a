import type { RunStatus, StepStatus } from "~/engine/status";
import { RUN_STATUS_STYLE, STEP_STATUS_STYLE, statusLabel } from "./status-style";

const BASE = "inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

/** The status as text (for screen readers and tests) on a colour that repeats it. */
export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`${BASE} ${RUN_STATUS_STYLE[status]}`} data-testid="run-status" data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

export function StepStatusBadge({ status }: { status: StepStatus }) {
  return (
    <span className={`${BASE} ${STEP_STATUS_STYLE[status]}`} data-testid="step-status" data-status={status}>
      {statusLabel(status)}
    </span>
  );
}
