"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

const REFRESH_MS = 5000;

/** How many pending gates the signed-in user can decide, refreshed every 5 s (0 while loading). */
export function usePendingCount(enabled: boolean): number {
  const trpc = useTRPC();
  const q = useQuery(trpc.approvals.pendingCount.queryOptions(undefined, { enabled, refetchInterval: REFRESH_MS, staleTime: 0 }));
  return q.data?.canDecide ?? 0;
}

/** The count as a badge; the link carries the accessible name ("Approvals, 3 pending"). */
export function PendingBadge({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span aria-hidden="true" data-testid="approvals-badge" className="ml-1.5 inline-flex min-w-5 items-center justify-center rounded-full bg-violet-600 px-1.5 text-xs font-semibold tabular-nums text-white">
      {count}
    </span>
  );
}
