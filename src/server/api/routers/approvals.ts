import { z } from "zod";
import {
  decideApproval,
  decideMany,
  getApproval,
  listApprovals,
  listAudit,
  verifyAudit,
  ZApproval,
  ZAuditEntry,
  ZBatchResult,
  ZDecide,
  ZDecideMany,
} from "~/server/services/approvals";
import { actorOf, procedure, router } from "../trpc";

export const approvalsRouter = router({
  list: procedure
    .meta({ perm: "approval.read", openapi: { method: "GET", path: "/approvals", tags: ["approvals"], summary: "Gates of the team (status=pending for the inbox)" } })
    .input(z.object({ status: z.string().optional(), runId: z.string().optional() }))
    .output(z.array(ZApproval))
    .query(({ ctx, input }) => listApprovals(actorOf(ctx), input)),
  get: procedure
    .meta({ perm: "approval.read", openapi: { method: "GET", path: "/approvals/{id}", tags: ["approvals"] } })
    .input(z.object({ id: z.string() }))
    .output(ZApproval)
    .query(({ ctx, input }) => getApproval(actorOf(ctx), input.id)),
  decide: procedure
    .meta({
      perm: "approval.decide",
      openapi: { method: "POST", path: "/approvals/{id}/decisions", tags: ["approvals"], summary: "approve | modify | retry | skip | reject | cancel; 403 with the reason, 409 when already decided" },
    })
    .input(ZDecide)
    .output(ZApproval)
    .mutation(({ ctx, input }) => decideApproval(actorOf(ctx), input)),
  decideMany: procedure
    .meta({ perm: "approval.decide", openapi: { method: "POST", path: "/approvals/decisions", tags: ["approvals"], summary: "Batch approve or reject; each gate on its own, refusals with their reason" } })
    .input(ZDecideMany)
    .output(z.array(ZBatchResult))
    .mutation(({ ctx, input }) => decideMany(actorOf(ctx), input)),
});

export const auditRouter = router({
  list: procedure
    .meta({ perm: "audit.read", openapi: { method: "GET", path: "/audit", tags: ["audit"] } })
    .input(z.object({ after: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }))
    .output(z.array(ZAuditEntry))
    .query(({ ctx, input }) => listAudit(actorOf(ctx), input)),
  verify: procedure
    .meta({ perm: "audit.read", openapi: { method: "GET", path: "/audit/verify", tags: ["audit"], summary: "Checks the hash chain; names the first bad row" } })
    .input(z.void())
    .output(z.object({ ok: z.boolean(), rows: z.number().int(), badRowId: z.number().int().optional(), reason: z.string().optional() }))
    .query(({ ctx }) => verifyAudit(actorOf(ctx))),
});
