import type { Approval, GateAction } from "./approval-types";

/** What a decision did, as the run page says it after the server answered (`after`: the gate now). */
export function outcomeText(action: GateAction, gate: Pick<Approval, "stepId">, after: Pick<Approval, "status" | "approvals" | "decisions">): string {
  const step = gate.stepId;
  switch (action) {
    case "approve": {
      if (after.status !== "pending") return `Approved ${step}: the run continues.`;
      return `Approval recorded (${after.approvals.count} of ${after.approvals.needed}): the gate waits for more approvals.`;
    }
    case "modify": {
      const last = after.decisions[after.decisions.length - 1];
      const params = last?.nextParams ? Object.keys(last.nextParams) : [];
      if (last?.payload === undefined && params.length) return `Params of ${params.join(", ")} changed: the run continues with them.`;
      return `Output of ${step} modified: the run continues with the new output${params.length ? ` and new params of ${params.join(", ")}` : ""}.`;
    }
    case "retry":
      return `${step} is retried: it will ask for review again.`;
    case "skip":
      return `${step} skipped: the run continues.`;
    case "reject":
      return `${step} rejected: the step failed and the steps after it do not run.`;
    case "cancel":
      return `Run cancelled at the gate of ${step}.`;
  }
}

/** The body of approvals.decide: only what is given (a blank comment is not sent). */
export function decisionRequest(
  id: string,
  action: GateAction,
  parts: { comment: string; payload?: unknown; form?: Record<string, unknown>; nextParams?: Record<string, unknown> },
): { id: string; action: GateAction; comment?: string; payload?: unknown; form?: Record<string, unknown>; nextParams?: Record<string, unknown> } {
  return {
    id,
    action,
    ...(parts.comment.trim() ? { comment: parts.comment.trim() } : {}),
    ...(parts.payload === undefined ? {} : { payload: parts.payload }),
    ...(parts.form === undefined ? {} : { form: parts.form }),
    ...(parts.nextParams === undefined ? {} : { nextParams: parts.nextParams }),
  };
}
