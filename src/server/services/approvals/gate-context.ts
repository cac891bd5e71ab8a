/**
 * What a pending gate shows beside its decision buttons: the gated step's params (a retry's
 * starting point), the next steps and their params (what a modify may change), the artifacts of
 * the gated attempt, and the fields approvers may edit.
 */
import { ZApprovalPolicy } from "~/engine/definition/schema";
import type { Actor } from "~/server/auth/actor";
import { engineStore } from "~/server/store/instance";
import type { SqlExec } from "~/server/store/sql";
import { listArtifacts } from "../artifacts";
import { currentParams, definitionSteps, nextStepsOf, stepStates } from "../gate-payload";
import type { TGateContext } from "./approvals.types";
import { getApproval } from "./list-approvals";

/** What the gate panel's dialogs start from: params of the gated step and of the next steps, and the artifacts. */
export async function gateContext(actor: Actor, id: string): Promise<TGateContext> {
  const gate = await getApproval(actor, id);
  const sql = engineStore().sql;
  const q: Pick<SqlExec, "all"> = { all: (text, args) => sql.read(text, args) };
  const steps = await definitionSteps(q, gate.runId);
  const next = nextStepsOf(steps, gate.stepId);
  const states = await stepStates(q, gate.runId, [gate.stepId, ...next.map((n) => n.id)]);
  const self = steps.get(gate.stepId);
  const artifacts = gate.attempt > 0 ? await listArtifacts(actor, { id: gate.runId, stepId: gate.stepId, attempt: gate.attempt }) : { attempt: 0, items: [] };
  const editable = ZApprovalPolicy.parse(gate.policy).editable ?? [];
  return {
    stepId: gate.stepId,
    type: self?.type ?? "unknown",
    params: currentParams(self, states.get(gate.stepId)),
    next: next.map((n) => ({ id: n.id, type: n.type, status: states.get(n.id)?.status ?? "pending", params: currentParams(n, states.get(n.id)) })),
    artifacts,
    editable,
  };
}
