"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Card } from "~/components/ui/card";
import { useTRPC } from "~/trpc/react";

export function WorkflowList() {
  const trpc = useTRPC();
  const list = useQuery(trpc.workflows.list.queryOptions());
  return (
    <Card>
      {list.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {list.data?.length === 0 ? <p className="text-sm text-slate-600">No workflows yet.</p> : null}
      {list.data?.length ? (
        <table className="w-full text-left text-sm" aria-label="Workflows">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="py-2">Name</th>
              <th>Description</th>
              <th className="text-right">Version</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((w) => (
              <tr key={w.name} className="border-t border-slate-100">
                <td className="py-2 font-medium">
                  <Link className="text-brand-600 hover:underline" href={`/workflows/${encodeURIComponent(w.name)}`}>
                    {w.name}
                  </Link>
                </td>
                <td className="text-slate-600">{w.description}</td>
                <td className="text-right tabular-nums">v{w.latestVersion}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}
