import { NewWorkflowPage } from "~/features/workflow-editor/editor-pages";

export default async function NewWorkflow({ searchParams }: { searchParams: Promise<{ template?: string }> }) {
  const { template } = await searchParams;
  return <NewWorkflowPage {...(template ? { template } : {})} />;
}
