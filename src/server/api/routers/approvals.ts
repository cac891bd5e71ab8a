import { z } from "zod";
import {
  decideApproval,
  decideMany,
  gateContext,
  getApproval,
  listApprovals,
  pendingCount,
  ZApproval,
  ZBatchResult,
  ZDecideApproval,
  ZDecideMany,
  ZGateContext,
  ZListApprovals,
  ZPendingCount,
} from "~/server/services/approvals";
import { ZGateId } from "~/server/services/input-limits";
import { actorOf, procedure, router } from "../trpc";

export const approvalsRouter = router({
  list: procedure
    .meta({ perm: "approval.read", openapi: { method: "GET", path: "/approvals", tags: ["approvals"], summary: "Gates of the team (status=pending for the inbox, status=decided for every other status)" } })
    .input(ZListApprovals)
    .output(z.array(ZApproval))
    .query(({ ctx, input }) => listApprovals(actorOf(ctx), input)),
  pendingCount: procedure
    .meta({ perm: "approval.read", openapi: { method: "GET", path: "/approvals/pending-count", tags: ["approvals"], summary: "Pending gates the caller can decide (the header badge), and of the team" } })
    .input(z.void())
    .output(ZPendingCount)
    .query(({ ctx }) => pendingCount(actorOf(ctx))),
  context: procedure
    .meta({ perm: "approval.read", openapi: { method: "GET", path: "/approvals/{id}/context", tags: ["approvals"], summary: "The gated step's params, the next steps' params, the artifacts of the gated attempt" } })
    .input(z.object({ id: ZGateId }))
    .output(ZGateContext)
    .query(({ ctx, input }) => gateContext(actorOf(ctx), input.id)),
  get: procedure
    .meta({ perm: "approval.read", openapi: { method: "GET", path: "/approvals/{id}", tags: ["approvals"] } })
    .input(z.object({ id: ZGateId }))
    .output(ZApproval)
    .query(({ ctx, input }) => getApproval(actorOf(ctx), input.id)),
  // Each action needs its own right (engine/approvals/gate-actions.ts: approval.decide for the gate's
  // decisions, run.control for cancel), checked by the service; here only that the caller sees gates.
  decide: procedure
    .meta({
      perm: "approval.read",
      openapi: {
        method: "POST",
        path: "/approvals/{id}/decisions",
        tags: ["approvals"],
        summary: "approve | modify | retry | skip | reject | cancel; 403 with the reason and a code, 409 when already decided, 413 over 1 MiB",
      },
    })
    .input(ZDecideApproval)
    .output(ZApproval)
    .mutation(({ ctx, input }) => decideApproval(actorOf(ctx), input)),
  decideMany: procedure
    .meta({ perm: "approval.decide", openapi: { method: "POST", path: "/approvals/decisions", tags: ["approvals"], summary: "Batch approve or reject; each gate on its own, refusals with their reason" } })
    .input(ZDecideMany)
    .output(z.array(ZBatchResult))
    .mutation(({ ctx, input }) => decideMany(actorOf(ctx), input)),
});
