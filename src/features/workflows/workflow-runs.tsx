"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Alert, Card } from "~/components/ui/card";
import { isRunLive } from "~/features/runs/run-status";
import { RunsTable } from "~/features/runs/runs-table";
import { useNow } from "~/features/shared/use-now";
import { useTRPC } from "~/trpc/react";

/** The latest runs of one workflow, refreshing while one of them is live. */
export function WorkflowRuns({ workflow }: { workflow: string }) {
  const trpc = useTRPC();
  const runs = useQuery(
    trpc.runs.list.queryOptions(
      { workflow, limit: 10 },
      { refetchInterval: (q) => (q.state.data?.items.some((r) => isRunLive(r.status)) ? 2000 : false) },
    ),
  );
  const live = runs.data?.items.some((r) => isRunLive(r.status)) ?? false;
  const now = useNow(live);
  return (
    <Card
      title="Latest runs"
      actions={
        <Link className="text-sm font-medium text-brand-600 hover:underline" href={`/runs?workflow=${encodeURIComponent(workflow)}`}>
          All runs →
        </Link>
      }
    >
      {runs.error ? <Alert>{runs.error.message}</Alert> : null}
      {runs.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {runs.data?.items.length === 0 ? <p className="text-sm text-slate-600">No runs of {workflow} yet.</p> : null}
      {runs.data?.items.length ? <RunsTable runs={runs.data.items} now={now} label={`Runs of ${workflow}`} showWorkflow={false} /> : null}
    </Card>
  );
}
