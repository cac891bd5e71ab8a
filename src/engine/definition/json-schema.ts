import { z } from "zod";
import { ZWorkflow } from "./schema";

/** JSON Schema (draft 2020-12) of the workflow format, generated from the zod schema. */
export function workflowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ZWorkflow, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { ...schema, $id: "/schema/workflow.json", title: "Workflow definition" };
}
