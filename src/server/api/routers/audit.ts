import { z } from "zod";
import { ZAuditQuery } from "~/server/services/audit/audit-query";
import { listAudit, ZAuditEntry } from "~/server/services/audit/list-audit";
import { verifyAudit } from "~/server/services/audit/verify-audit";
import { actorOf, procedure, router } from "../trpc";

export const auditRouter = router({
  list: procedure
    .meta({
      // (Admins read every entry; approvers the gate entries: the service narrows by the caller's permissions.)
      perm: "audit.read_decisions",
      openapi: {
        method: "GET",
        path: "/audit",
        tags: ["audit"],
        summary: "The team's audit log, filtered by actor, action, target and time; format=jsonl answers with every matching entry as JSON lines (application/x-ndjson)",
      },
    })
    .input(ZAuditQuery)
    .output(z.array(ZAuditEntry))
    .query(({ ctx, input }) => listAudit(actorOf(ctx), input)),
  verify: procedure
    .meta({ perm: "audit.read", openapi: { method: "GET", path: "/audit/verify", tags: ["audit"], summary: "Checks the hash chain; names the first bad row" } })
    .input(z.void())
    .output(z.object({ ok: z.boolean(), rows: z.number().int(), badRowId: z.number().int().optional(), reason: z.string().optional() }))
    .query(({ ctx }) => verifyAudit(actorOf(ctx))),
});
