import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

/** Shapes of the approvals API as the browser receives them (superjson: dates are Date objects). */
type Out = inferRouterOutputs<AppRouter>;

export type Approval = Out["approvals"]["get"];
export type Decision = Approval["decisions"][number];
export type BatchResult = Out["approvals"]["decideMany"][number];
export type GateAction = "approve" | "modify" | "retry" | "skip" | "reject" | "cancel";

/** A gate still waiting for a decision (the one status string compared here, not in components). */
export function isPending(a: Pick<Approval, "status">): boolean {
  return a.status === "pending";
}

/** Whether the refusal is only about approving one's own run: the starter may still reject, skip, retry or cancel. */
export function isSelfApprovalRefusal(reason: string | undefined): boolean {
  return Boolean(reason?.startsWith("You started this run"));
}

/** "in 12 m" / "expired" / "never", for a gate's expiry. */
export function expiresIn(expiresAt: Date | null, now: number, format: (ms: number) => string): string {
  if (!expiresAt) return "never";
  const ms = expiresAt.getTime() - now;
  return ms <= 0 ? "expired" : `in ${format(ms)}`;
}
