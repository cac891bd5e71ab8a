import { Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";

export default function WorkflowsPage() {
  return (
    <>
      <PageTitle title="Workflows" subtitle="Your team's workflow definitions." />
      <Card>
        <p className="text-sm text-slate-600">No workflows yet.</p>
      </Card>
    </>
  );
}
