import { z } from "zod";
import {
  getVersion,
  getWorkflow,
  listTemplates,
  listVersions,
  listWorkflows,
  restoreVersion,
  saveWorkflowAs,
  validateWorkflowYaml,
  ZSaveWorkflow,
  ZValidation,
  ZVersionDetail,
  ZVersionSummary,
  ZWorkflowDetail,
  ZWorkflowSummary,
  ZWorkflowTemplate,
} from "~/server/services/workflows";
import { MAX_ROW_ID, ZName, ZYaml } from "~/server/services/input-limits";
import { actorOf, procedure, router } from "../trpc";

export const workflowsRouter = router({
  list: procedure
    .meta({ perm: "workflow.read", openapi: { method: "GET", path: "/workflows", tags: ["workflows"] } })
    .input(z.void())
    .output(z.array(ZWorkflowSummary))
    .query(({ ctx }) => listWorkflows(actorOf(ctx))),
  get: procedure
    .meta({ perm: "workflow.read", openapi: { method: "GET", path: "/workflows/{name}", tags: ["workflows"] } })
    .input(z.object({ name: ZName }))
    .output(ZWorkflowDetail)
    .query(({ ctx, input }) => getWorkflow(actorOf(ctx), input.name)),
  save: procedure
    .meta({ perm: "workflow.write", openapi: { method: "POST", path: "/workflows", tags: ["workflows"], summary: "New workflow, or a new version of the workflow of that name" } })
    .input(ZSaveWorkflow)
    .output(z.object({ name: z.string(), version: z.number().int(), created: z.boolean() }))
    .mutation(({ ctx, input }) => saveWorkflowAs(actorOf(ctx), input)),
  validate: procedure
    .meta({ perm: "workflow.read", openapi: { method: "POST", path: "/workflows/validate", tags: ["workflows"] } })
    .input(z.object({ yaml: ZYaml }))
    .output(ZValidation)
    .mutation(({ input }) => {
      const { valid, errors } = validateWorkflowYaml(input.yaml);
      return { valid, errors };
    }),
  versions: procedure
    .meta({ perm: "workflow.read", openapi: { method: "GET", path: "/workflows/{name}/versions", tags: ["workflows"], summary: "Every version, newest first, with author and message" } })
    .input(z.object({ name: ZName }))
    .output(z.array(ZVersionSummary))
    .query(({ ctx, input }) => listVersions(actorOf(ctx), input.name)),
  version: procedure
    .meta({ perm: "workflow.read", openapi: { method: "GET", path: "/workflows/{name}/versions/{version}", tags: ["workflows"], summary: "One version: YAML, editor layout and definition" } })
    .input(z.object({ name: ZName, version: z.coerce.number().int().positive().max(MAX_ROW_ID) }))
    .output(ZVersionDetail)
    .query(({ ctx, input }) => getVersion(actorOf(ctx), input.name, input.version)),
  restore: procedure
    .meta({ perm: "workflow.write", openapi: { method: "POST", path: "/workflows/{name}/versions/{version}/restore", tags: ["workflows"], summary: "Restore an old version as a new version" } })
    .input(z.object({ name: ZName, version: z.number().int().positive().max(MAX_ROW_ID), message: z.string().max(500).optional() }))
    .output(z.object({ name: z.string(), version: z.number().int(), created: z.boolean() }))
    .mutation(({ ctx, input }) => restoreVersion(actorOf(ctx), input)),
  templates: procedure
    .meta({ perm: "workflow.read", openapi: { method: "GET", path: "/workflow-templates", tags: ["workflows"], summary: "The shipped workflows/*.yaml files, for New from template" } })
    .input(z.void())
    .output(z.array(ZWorkflowTemplate))
    .query(() => listTemplates()),
});
