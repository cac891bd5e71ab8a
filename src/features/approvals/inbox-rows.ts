import { isPending, type Approval } from "./approval-types";

export type InboxTab = "pending" | "decided";

/** The inbox's filters: one workflow ("" all), a minimum age in ms, only gates the caller may decide. */
export type InboxFilter = { workflow: string; minAge: number; mine: boolean };

/** "deploy / approve (run_1)": how a gate is named in lists and confirmations. */
export function gateName(a: Pick<Approval, "workflow" | "stepId" | "runId">): string {
  return `${a.workflow} / ${a.stepId} (${a.runId})`;
}

/** The set with `id` added, or removed when it was there. */
export function toggled(set: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(set);
  if (!next.delete(id)) next.add(id);
  return next;
}

/**
 * The tab's gates (`all`: a refresh may still hold the other kind for a moment), the workflows to
 * filter by, and the rows the filters leave. Pure.
 */
export function inboxRows<A extends Pick<Approval, "status" | "workflow" | "requestedAt" | "canDecide">>(list: readonly A[], tab: InboxTab, filter: InboxFilter, now: number) {
  const all = list.filter((a) => (tab === "pending" ? isPending(a) : !isPending(a)));
  const workflows = [...new Set(all.map((a) => a.workflow))].sort();
  const rows = all.filter((a) => (!filter.workflow || a.workflow === filter.workflow) && now - a.requestedAt.getTime() >= filter.minAge && (!filter.mine || a.canDecide.ok));
  return { workflows, rows };
}
