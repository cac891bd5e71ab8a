"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";
import { usePermissions } from "~/features/shared/use-permissions";
import { useTRPC } from "~/trpc/react";
import { StartRunDialog } from "./start-run-dialog";
import { WorkflowRuns } from "./workflow-runs";

export function WorkflowDetail({ name }: { name: string }) {
  const trpc = useTRPC();
  const wf = useQuery(trpc.workflows.get.queryOptions({ name }));
  const { canStart, loaded } = usePermissions();
  const [running, setRunning] = useState(false);
  if (wf.error) return <Alert>{wf.error.message}</Alert>;
  if (!wf.data) return <p className="text-sm text-slate-500">Loading…</p>;
  return (
    <>
      <PageTitle
        title={wf.data.name}
        subtitle={wf.data.description}
        actions={
          <div className="flex items-center gap-2">
            <Link href={`/workflows/${encodeURIComponent(wf.data.name)}/edit`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
              Edit
            </Link>
            {canStart ? (
              <Button onClick={() => setRunning(true)} aria-haspopup="dialog">
                <span aria-hidden="true">▶</span> Run
              </Button>
            ) : loaded ? (
              <span className="text-xs text-slate-500" data-testid="read-only">
                Read-only: your role may view this workflow, not run it.
              </span>
            ) : null}
          </div>
        }
      />
      {running ? <StartRunDialog workflow={wf.data.name} version={wf.data.latest.version} definition={wf.data.latest.definition} onClose={() => setRunning(false)} /> : null}
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="flex flex-col gap-6 lg:col-span-2">
          <WorkflowRuns workflow={wf.data.name} />
          <Card title={`YAML · v${wf.data.latest.version}`}>
            <pre className="max-h-[70vh] overflow-auto rounded bg-slate-900 p-4 font-mono text-xs leading-relaxed text-slate-100" aria-label="YAML">
              {wf.data.latest.yaml}
            </pre>
          </Card>
        </div>
        <Card title="Versions">
          <ol className="space-y-2 text-sm">
            {wf.data.versions.map((v) => (
              <li key={v.version} className="flex justify-between">
                <span className="font-medium">v{v.version}</span>
                <span className="text-slate-500">{v.createdAt.toLocaleString()}</span>
              </li>
            ))}
          </ol>
        </Card>
      </div>
    </>
  );
}
