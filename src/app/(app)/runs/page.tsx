import { Suspense } from "react";
import { PageTitle } from "~/components/ui/page-title";
import { RunList } from "~/features/runs/run-list";

export default function RunsPage() {
  return (
    <>
      <PageTitle title="Runs" subtitle="Every run of your team's workflows." />
      <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
        <RunList />
      </Suspense>
    </>
  );
}
