/**
 * Batch decisions from the inbox: each gate is decided (and recorded, audited) on its own by
 * decide-approval; a gate the caller may not decide is refused with its reason while the others
 * go through.
 */
import type { Actor } from "~/server/auth/actor";
import { appErrorOf } from "~/server/errors";
import type { TBatchResult, TDecideMany } from "./approvals.types";
import { decideApproval } from "./decide-approval";

export async function decideMany(actor: Actor, input: TDecideMany): Promise<TBatchResult[]> {
  const out: TBatchResult[] = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      const a = await decideApproval(actor, { id, action: input.action, comment: input.comment });
      out.push({ id, ok: true, status: a.status });
    } catch (e) {
      // A refusal (AppError, or an engine error a caller can act on) is this gate's answer; a fault stops the batch.
      const refused = appErrorOf(e);
      if (!refused) throw e;
      out.push({ id, ok: false, error: { code: refused.code, message: refused.message } });
    }
  }
  return out;
}
