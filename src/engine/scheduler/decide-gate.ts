import { GATE_ACTION_RULES, gateStatusAfter } from "../approvals/gate-actions";
import { formDefaults } from "../approvals/validate-form";
import { parseDuration } from "../duration";
import { EngineError, assertNever } from "../errors";
import { planNodeOf, type PlanNode } from "../graph/compile-plan";
import type { Json, JsonObject } from "../json";
import { isGateOpen } from "../status";
import type { DecisionDraft, EventOf, Followup } from "./decision-draft";
import type { GateState, StepState } from "./types";

// A gate holds a step: an approval step opens one when ready, another step with `approval:` opens
// one on its result (held for review). What each decision does is the outcome column of the one
// gate-actions table (approvals/gate-actions.ts); expiry follows the policy's `on_timeout`.

type GateDecided = EventOf<"gate_decided">;

/** Opens the gate of attempt `rec.attempt` of `id`: the record waits for approval, `open_gate` carries the policy. */
export function openGate(d: DecisionDraft, id: string, node: PlanNode, rec: StepState): void {
  const policy = node.approval;
  if (!policy) throw new EngineError("internal", `step "${id}" has no gate policy`);
  const gateId = `${d.runId}:${id}:${rec.attempt}`;
  const expiresAt = policy.timeout !== undefined ? d.now + parseDuration(policy.timeout) : undefined;
  d.put({ ...rec, status: "waiting_approval", gate: { id: gateId, status: "pending", openedAt: d.now } });
  d.commands.push({ kind: "open_gate", runId: d.runId, stepId: id, gateId, attempt: rec.attempt, policy, output: rec.output, expiresAt });
}

/** `gate_decided`: a decision of a person (checked by the service before it gets here) or the gate's expiry. */
export function onGateDecided(d: DecisionDraft, event: GateDecided): Followup {
  const rec = d.state.steps.get(event.stepId);
  // A stale decision (another attempt's gate, a gate already decided) changes no record; the run
  // is settled as after any event.
  if (!rec || rec.status !== "waiting_approval" || rec.gate?.id !== event.gateId || !isGateOpen(rec.gate.status)) return "settle";
  const node = planNodeOf(d.plan, event.stepId);
  d.put({ ...rec, gate: decidedGate(rec.gate, event) });
  const action = event.action;
  if (action === "expire") {
    expireGate(d, node, event.stepId);
    return "settle";
  }
  const rule = GATE_ACTION_RULES[action];
  const who = event.by ? ` by ${event.by}` : "";
  const why = event.comment ? `: ${event.comment}` : "";
  switch (rule.outcome) {
    case "continue":
      continueAfterGate(d, node, rec, event, rule.carries === "changes");
      break;
    case "skip":
      d.finish(event.stepId, "skipped", { reason: `skipped at the gate${who}${why}` });
      break;
    case "fail":
      d.finish(event.stepId, "failed", { error: { code: "rejected", message: `rejected${who}${why}` } });
      break;
    case "cancel_run":
      d.abortRun("cancelled", `cancelled at the gate of "${event.stepId}"${who}${why}`);
      break;
    case "rerun":
      rerunAfterGate(d, node, rec, event);
      break;
    default:
      assertNever(rule.outcome, "gate outcome");
  }
  return "settle";
}

function decidedGate(gate: GateState, event: GateDecided): GateState {
  return {
    ...gate,
    status: gateStatusAfter(event.action),
    decidedAt: event.at,
    ...(event.by !== undefined ? { decidedBy: event.by } : {}),
    ...(event.comment !== undefined ? { comment: event.comment } : {}),
  };
}

/** Expiry is never an approval: the step fails or is skipped, or the run is cancelled (`on_timeout`). */
function expireGate(d: DecisionDraft, node: PlanNode, stepId: string): void {
  const onTimeout = node.approval?.on_timeout ?? "fail";
  switch (onTimeout) {
    case "cancel":
      d.abortRun("cancelled", `gate of "${stepId}" expired`);
      return;
    case "skip":
      d.finish(stepId, "skipped", { reason: "gate expired" });
      return;
    case "fail":
      d.finish(stepId, "failed", { error: { code: "gate_expired", message: "approval gate expired" } });
      return;
    default:
      assertNever(onTimeout, "on_timeout");
  }
}

/**
 * approve / modify: the step succeeds. A human stage publishes its form's values; a held result
 * stays, or is replaced by a modify's payload. A modify also sets the params of the next steps
 * first: finishing the gated step may start them in this very decision.
 */
function continueAfterGate(d: DecisionDraft, node: PlanNode, rec: StepState, event: GateDecided, withChanges: boolean): void {
  if (withChanges) {
    for (const [id, params] of Object.entries(event.nextParams ?? {})) {
      if (!node.dependents.includes(id)) continue;
      const next = d.get(id);
      if (next.status === "pending") d.put({ ...next, paramsOverride: params });
    }
  }
  if (node.kind === "approval") d.finish(event.stepId, "succeeded", { output: stageOutput(node, event) });
  else if (withChanges) d.finish(event.stepId, "succeeded", { output: event.payload !== undefined ? event.payload : (rec.output ?? null) });
  else d.finish(event.stepId, "succeeded", {});
}

/** retry: a new attempt. A human stage opens a fresh gate at once; another step runs again (optionally with new params), then is held again. */
function rerunAfterGate(d: DecisionDraft, node: PlanNode, rec: StepState, event: GateDecided): void {
  if (node.kind === "approval") {
    openGate(d, event.stepId, node, { ...d.get(event.stepId), attempt: rec.attempt + 1 });
    return;
  }
  d.markReady(d.get(event.stepId), event.params !== undefined ? { paramsOverride: event.params } : {});
}

/** What a human stage publishes: its form's values (checked by the caller; defaults in auto mode). */
function stageOutput(node: PlanNode, event: GateDecided): JsonObject {
  const values = isJsonObject(event.payload) ? event.payload : formDefaults(node.approval?.form);
  return { approved: true, by: event.by ?? null, comment: event.comment ?? null, ...values };
}

const isJsonObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
