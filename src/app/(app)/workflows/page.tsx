import { PageTitle } from "~/components/ui/page-title";
import { WorkflowList } from "~/features/workflows/workflow-list";

export default function WorkflowsPage() {
  return (
    <>
      <PageTitle title="Workflows" subtitle="Your team's workflow definitions, from workflows/*.yaml and the API." />
      <WorkflowList />
    </>
  );
}
