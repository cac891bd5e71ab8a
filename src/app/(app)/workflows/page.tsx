import Link from "next/link";
import { PageTitle } from "~/components/ui/page-title";
import { WorkflowList } from "~/features/workflows/workflow-list";

export default function WorkflowsPage() {
  return (
    <>
      <PageTitle
        title="Workflows"
        subtitle="Your team's workflow definitions, from workflows/*.yaml, the API and the editor."
        actions={
          <div className="flex gap-2">
            <Link href="/workflows/templates" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
              New from template
            </Link>
            <Link href="/workflows/new" className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700">
              New workflow
            </Link>
          </div>
        }
      />
      <WorkflowList />
    </>
  );
}
