import { workflowJsonSchema } from "~/engine/definition/json-schema";

export const dynamic = "force-static";

/** JSON Schema of the workflow format, for editors (`# yaml-language-server: $schema=/schema/workflow.json`). */
export function GET() {
  return Response.json(workflowJsonSchema(), { headers: { "cache-control": "public, max-age=300" } });
}
