import { z } from "zod";
import {
  getWorkflow,
  listWorkflows,
  saveWorkflowAs,
  validateWorkflowYaml,
  ZSaveWorkflow,
  ZValidation,
  ZWorkflowDetail,
  ZWorkflowSummary,
} from "~/server/services/workflows";
import { actorOf, procedure, router } from "../trpc";

export const workflowsRouter = router({
  list: procedure
    .meta({ perm: "workflow.read", openapi: { method: "GET", path: "/workflows", tags: ["workflows"] } })
    .input(z.void())
    .output(z.array(ZWorkflowSummary))
    .query(({ ctx }) => listWorkflows(actorOf(ctx))),
  get: procedure
    .meta({ perm: "workflow.read", openapi: { method: "GET", path: "/workflows/{name}", tags: ["workflows"] } })
    .input(z.object({ name: z.string() }))
    .output(ZWorkflowDetail)
    .query(({ ctx, input }) => getWorkflow(actorOf(ctx), input.name)),
  save: procedure
    .meta({ perm: "workflow.write", openapi: { method: "POST", path: "/workflows", tags: ["workflows"], summary: "New workflow, or a new version of the workflow of that name" } })
    .input(ZSaveWorkflow)
    .output(z.object({ name: z.string(), version: z.number().int(), created: z.boolean() }))
    .mutation(({ ctx, input }) => saveWorkflowAs(actorOf(ctx), input)),
  validate: procedure
    .meta({ perm: "workflow.read", openapi: { method: "POST", path: "/workflows/validate", tags: ["workflows"] } })
    .input(z.object({ yaml: z.string() }))
    .output(ZValidation)
    .mutation(({ input }) => {
      const { valid, errors } = validateWorkflowYaml(input.yaml);
      return { valid, errors };
    }),
});
