import { Suspense } from "react";
import { RunDetail } from "~/features/runs/run-detail";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
      <RunDetail id={decodeURIComponent(id)} />
    </Suspense>
  );
}
