import { EditWorkflowPage } from "~/features/workflow-editor/editor-pages";

export default async function EditWorkflow({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <EditWorkflowPage name={decodeURIComponent(name)} />;
}
