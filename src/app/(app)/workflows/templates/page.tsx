import { TemplateList } from "~/features/workflow-editor/editor-pages";

export default function WorkflowTemplates() {
  return <TemplateList />;
}
