import { WorkflowDetail } from "~/features/workflows/workflow-detail";

export default async function WorkflowPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <WorkflowDetail name={decodeURIComponent(name)} />;
}
