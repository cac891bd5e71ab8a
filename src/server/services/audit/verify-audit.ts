import type { Actor } from "~/server/auth/actor";
import { verifyAuditChain, type AuditVerification } from "~/server/store/audit";
import { engineStore } from "~/server/store/instance";

/** Checks the caller's team's hash chain; names the first row that was edited, removed or reordered. */
export function verifyAudit(actor: Actor): Promise<AuditVerification> {
  return verifyAuditChain(engineStore().sql, actor.teamId);
}
