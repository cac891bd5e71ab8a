"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { SelectField } from "~/components/ui/field";
import { statusLabel } from "~/features/shared/status-style";
import { useNow } from "~/features/shared/use-now";
import { useTRPC } from "~/trpc/react";
import { isRunLive, RUN_STATUSES } from "./run-status";
import type { RunStatus, RunSummary } from "./run-types";
import { RunsTable } from "./runs-table";

const PAGE = 50;

function asStatus(v: string | null): RunStatus | undefined {
  return RUN_STATUSES.find((s) => s === v);
}

/** The team's runs, filtered by the `status` and `workflow` query parameters, refreshing while any listed run is live. */
export function RunList() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const status = asStatus(params.get("status"));
  const workflow = params.get("workflow") || undefined;
  const workflows = useQuery(trpc.workflows.list.queryOptions());
  const runs = useInfiniteQuery(
    trpc.runs.list.infiniteQueryOptions(
      { status, workflow, limit: PAGE },
      {
        getNextPageParam: (last) => last.nextCursor ?? undefined,
        refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => isRunLive(r.status))) ? 2000 : false),
      },
    ),
  );
  const items: RunSummary[] = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const live = items.some((r) => isRunLive(r.status));
  const now = useNow(live);

  function setFilter(key: "status" | "workflow", value: string) {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname);
  }

  return (
    <Card>
      <form className="mb-4 flex flex-wrap items-end gap-4" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <SelectField id="filter-status" label="Status" value={status ?? ""} onChange={(e) => setFilter("status", e.target.value)}>
          <option value="">All statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </SelectField>
        <SelectField id="filter-workflow" label="Workflow" value={workflow ?? ""} onChange={(e) => setFilter("workflow", e.target.value)}>
          <option value="">All workflows</option>
          {workflow && !workflows.data?.some((w) => w.name === workflow) ? <option value={workflow}>{workflow}</option> : null}
          {workflows.data?.map((w) => (
            <option key={w.name} value={w.name}>
              {w.name}
            </option>
          ))}
        </SelectField>
        {live ? (
          <span className="pb-2 text-xs text-slate-500" aria-live="polite">
            Refreshing every 2 s
          </span>
        ) : null}
      </form>
      {runs.error ? <Alert>{runs.error.message}</Alert> : null}
      {runs.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {runs.data && items.length === 0 ? (
        <p className="text-sm text-slate-600">{status || workflow ? "No runs match these filters." : "No runs yet. Open a workflow and press Run."}</p>
      ) : null}
      {items.length ? <RunsTable runs={items} now={now} /> : null}
      {runs.hasNextPage ? (
        <div className="mt-4 flex justify-center">
          <Button variant="secondary" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
            {runs.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}
