import { Alert } from "~/components/ui/card";
import { EditWorkflowPage } from "~/features/workflow-editor/editor-pages";
import { getServerActor } from "~/server/auth/session";
import { appErrorOf } from "~/server/errors";
import { getVersion } from "~/server/services/workflows";

/** Reads the latest version on the server: the editor starts with its document, no round trips. */
export default async function EditWorkflow({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const actor = await getServerActor();
  if (!actor) return <Alert>Sign in to edit workflows.</Alert>;
  try {
    const v = await getVersion(actor, decodeURIComponent(name));
    return <EditWorkflowPage source={{ name: v.name, version: v.version, yaml: v.yaml, positions: v.layout?.positions ?? {} }} />;
  } catch (e) {
    const refused = appErrorOf(e);
    if (refused?.code === "NOT_FOUND") return <Alert>{refused.message}</Alert>;
    throw e;
  }
}
