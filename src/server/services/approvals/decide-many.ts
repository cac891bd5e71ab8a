/**
 * Batch decisions from the inbox: each gate is decided (and recorded, audited) on its own by
 * decide-approval; a gate the caller may not decide is refused with its reason while the others
 * go through.
 */
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import type { TBatchResult, TDecideMany } from "./approvals.types";
import { decideApproval } from "./decide-approval";

export async function decideMany(actor: Actor, input: TDecideMany): Promise<TBatchResult[]> {
  const out: TBatchResult[] = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      const a = await decideApproval(actor, { id, action: input.action, comment: input.comment });
      out.push({ id, ok: true, status: a.status });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out.push({ id, ok: false, error: { code: e.code, message: e.message } });
    }
  }
  return out;
}
