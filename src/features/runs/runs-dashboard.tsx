"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Alert, Card } from "~/components/ui/card";
import { useNow } from "~/features/shared/use-now";
import { useTRPC } from "~/trpc/react";
import { isRunLive } from "./run-status";
import type { RunSummary } from "./run-types";
import { RunsTable } from "./runs-table";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The API has no counts endpoint yet: the dashboard counts the newest runs (one page, at most 200). */
const WINDOW = 200;

type Counts = { active: number; failed: number; succeeded: number; truncated: boolean };

function countLastDay(items: readonly RunSummary[], hasMore: boolean, now: number): Counts {
  const since = now - DAY_MS;
  const recent = items.filter((r) => r.createdAt.getTime() >= since);
  return {
    active: recent.filter((r) => isRunLive(r.status)).length,
    failed: recent.filter((r) => r.status === "failed").length,
    succeeded: recent.filter((r) => r.status === "succeeded").length,
    // Every run of the page is within the day and there are more: the counts are lower bounds.
    truncated: hasMore && recent.length === items.length,
  };
}

function Stat({ label, value, tone, href, truncated }: { label: string; value: number; tone: string; href: string; truncated: boolean }) {
  return (
    <Link href={href} className="block rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:border-brand-500" aria-label={`${label}: ${value}${truncated ? " or more" : ""}`}>
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className={`mt-1 text-3xl font-semibold tabular-nums ${value > 0 ? tone : "text-slate-400"}`} data-testid={`stat-${label.toLowerCase()}`}>
        {value}
        {truncated ? "+" : ""}
      </div>
      <div className="text-xs text-slate-500">last 24 h</div>
    </Link>
  );
}

/** Counts of the last day's runs and the five newest runs, refreshing while any is live. */
export function RunsDashboard() {
  const trpc = useTRPC();
  const runs = useQuery(
    trpc.runs.list.queryOptions({ limit: WINDOW }, { refetchInterval: (q) => (q.state.data?.items.some((r) => isRunLive(r.status)) ? 2000 : false) }),
  );
  const items = runs.data?.items ?? [];
  const live = items.some((r) => isRunLive(r.status));
  const now = useNow(live, 5000);
  const counts = countLastDay(items, Boolean(runs.data?.nextCursor), now);
  return (
    <div className="flex flex-col gap-6">
      {runs.error ? <Alert>{runs.error.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-3" aria-label="Runs in the last 24 hours">
        <Stat label="Active" value={counts.active} tone="text-sky-700" href="/runs" truncated={counts.truncated} />
        <Stat label="Failed" value={counts.failed} tone="text-red-700" href="/runs?status=failed" truncated={counts.truncated} />
        <Stat label="Succeeded" value={counts.succeeded} tone="text-emerald-700" href="/runs?status=succeeded" truncated={counts.truncated} />
      </div>
      <Card
        title="Latest runs"
        actions={
          <Link className="text-sm font-medium text-brand-600 hover:underline" href="/runs">
            All runs →
          </Link>
        }
      >
        {runs.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
        {runs.data && items.length === 0 ? (
          <p className="text-sm text-slate-600">
            No runs yet. Open{" "}
            <Link className="text-brand-600 hover:underline" href="/workflows">
              a workflow
            </Link>{" "}
            and press Run.
          </p>
        ) : null}
        {items.length ? <RunsTable runs={items.slice(0, 5)} now={now} label="Latest runs" /> : null}
      </Card>
    </div>
  );
}
