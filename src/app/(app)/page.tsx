import Link from "next/link";
import { Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";
import { RunsDashboard } from "~/features/runs/runs-dashboard";
import { getServerActor } from "~/server/auth/session";

export default async function DashboardPage() {
  const actor = await getServerActor();
  return (
    <>
      <PageTitle title="Dashboard" subtitle={`Team ${actor?.teamName ?? ""}`} />
      <div className="flex flex-col gap-6">
        <RunsDashboard />
        <div className="grid gap-4 md:grid-cols-3">
          <Card title="Workflows">
            <p className="text-sm text-slate-600">Definitions of your team, from YAML files or the editor.</p>
            <Link className="mt-3 inline-block text-sm font-medium text-brand-600" href="/workflows">
              Open workflows →
            </Link>
          </Card>
          <Card title="Runs">
            <p className="text-sm text-slate-600">Live progress of every run, step by step.</p>
            <Link className="mt-3 inline-block text-sm font-medium text-brand-600" href="/runs">
              Open runs →
            </Link>
          </Card>
          <Card title="Approvals">
            <p className="text-sm text-slate-600">Gates waiting for a person: approve, modify, retry, skip, reject or cancel.</p>
            <Link className="mt-3 inline-block text-sm font-medium text-brand-600" href="/approvals">
              Open approvals →
            </Link>
          </Card>
        </div>
      </div>
    </>
  );
}
