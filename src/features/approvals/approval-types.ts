import type { inferRouterOutputs } from "@trpc/server";
import type { AlertKind } from "~/components/ui/card";
import { DECISION_ACTIONS, GATE_ACTION_RULES, type DecisionAction } from "~/engine/approvals/gate-actions";
import type { AppRouter } from "~/server/api/root";

/** Shapes of the approvals API as the browser receives them (superjson: dates are Date objects). */
type Out = inferRouterOutputs<AppRouter>;

export type Approval = Out["approvals"]["get"];
export type Decision = Approval["decisions"][number];
export type BatchResult = Out["approvals"]["decideMany"][number];
export type GateContext = Out["approvals"]["context"];
export type GateAction = DecisionAction;
/** The run a gate panel sits in (its steps say what runs next). */
export type GateRun = Out["runs"]["get"];
export { DECISION_ACTIONS, GATE_ACTION_RULES };

/** A gate still waiting for a decision (the one status string compared here, not in components). */
export function isPending(a: Pick<Approval, "status">): boolean {
  return a.status === "pending";
}

export const ACTION_LABEL: Record<GateAction, string> = { approve: "Approve", modify: "Modify", retry: "Retry", skip: "Skip", reject: "Reject", cancel: "Cancel run" };

/** The action that gave a gate its status (decided gates), from the one table. */
export function actionOfStatus(status: string): GateAction | undefined {
  return DECISION_ACTIONS.find((a) => GATE_ACTION_RULES[a].status === status);
}

export type Tone = "positive" | "neutral" | "negative";

/** How a gate's outcome is shown: a rejection, a cancel or an expiry as a failure, never in green. */
export function toneOfStatus(status: string): Tone {
  if (status === "expired") return "negative";
  const a = actionOfStatus(status);
  return a ? GATE_ACTION_RULES[a].tone : "neutral";
}

/** Text colour classes by tone (badges and outcome cells). */
export const TONE_CLASS: Record<Tone, string> = {
  positive: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  neutral: "bg-slate-100 text-slate-700 ring-slate-200",
  negative: "bg-red-50 text-red-800 ring-red-200",
};

/** The Alert kind of an action's outcome message. */
export function alertKindOf(action: GateAction): AlertKind {
  const tone = GATE_ACTION_RULES[action].tone;
  return tone === "positive" ? "success" : tone === "negative" ? "error" : "info";
}

/** What a gate lets approvers change (`approval.editable`), split by where it applies. */
export function editableOf(stepId: string, editable: readonly string[]) {
  const output = editable.filter((e) => e === `${stepId}.output` || e.startsWith(`${stepId}.output.`));
  const params = editable.filter((e) => e.startsWith(`${stepId}.params.`));
  const next = (id: string) => editable.filter((e) => e.startsWith(`${id}.params.`));
  return { output, params, next };
}

/** "in 12 m" / "expired" / "never", for a gate's expiry. */
export function expiresIn(expiresAt: Date | null, now: number, format: (ms: number) => string): string {
  if (!expiresAt) return "never";
  const ms = expiresAt.getTime() - now;
  return ms <= 0 ? "expired" : `in ${format(ms)}`;
}
