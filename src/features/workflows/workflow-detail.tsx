"use client";
import { useQuery } from "@tanstack/react-query";
import { Alert, Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";
import { useTRPC } from "~/trpc/react";

export function WorkflowDetail({ name }: { name: string }) {
  const trpc = useTRPC();
  const wf = useQuery(trpc.workflows.get.queryOptions({ name }));
  if (wf.error) return <Alert>{wf.error.message}</Alert>;
  if (!wf.data) return <p className="text-sm text-slate-500">Loading…</p>;
  return (
    <>
      <PageTitle title={wf.data.name} subtitle={wf.data.description} />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
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
