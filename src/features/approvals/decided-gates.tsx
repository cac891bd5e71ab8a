"use client";
import { useQuery } from "@tanstack/react-query";
import { Card } from "~/components/ui/card";
import { formatTime } from "~/features/shared/format";
import { useTRPC } from "~/trpc/react";
import { DecisionList, OutcomeBadge } from "./decision-list";

/**
 * The run page's decided gates: each with its outcome (a rejection in red), who decided and when,
 * and every decision with its comment, form values and diffs. Refreshed while the run is live.
 */
export function DecidedGates({ runId, live }: { runId: string; live: boolean }) {
  const trpc = useTRPC();
  const gates = useQuery(trpc.approvals.list.queryOptions({ runId, status: "decided" }, { staleTime: 0, refetchInterval: live ? 2000 : false }));
  const list = [...(gates.data ?? [])].reverse(); // oldest first, as the run went
  if (list.length === 0) return null;
  return (
    <Card title="Decided gates">
      <ul className="flex flex-col gap-4">
        {list.map((g) => (
          <li key={g.id} data-testid="decided-gate" data-step={g.stepId} className="flex flex-col gap-2">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span className="font-mono font-medium">{g.stepId}</span>
              <span className="text-slate-500">attempt {g.attempt}</span>
              <OutcomeBadge status={g.status} />
              <span className="text-slate-600">
                {g.decidedBy ? `by ${g.decidedBy}` : ""} {g.decidedAt ? `· ${formatTime(g.decidedAt)}` : ""}
              </span>
            </div>
            <DecisionList gate={g} />
          </li>
        ))}
      </ul>
    </Card>
  );
}
