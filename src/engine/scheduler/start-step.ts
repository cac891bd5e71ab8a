import type { LeafStepType } from "../definition/schema";
import { parseDuration } from "../duration";
import { EngineError } from "../errors";
import { renderStepParams, type StepParamsRender } from "../expressions/render-step-params";
import { planNodeOf } from "../graph/compile-plan";
import type { Json } from "../json";
import type { DecisionDraft } from "./decision-draft";

/**
 * Hands a ready step to its executor, timer or child run: renders its params and emits
 * start_step, schedule_timer (wait) or start_child_run. Assumes a free slot was checked (fillSlots).
 * A render failure fails the step (its error says which param and why).
 */
export function startStep(d: DecisionDraft, id: string): void {
  const node = planNodeOf(d.plan, id);
  const prev = d.get(id);
  const rec = d.put({ ...prev, status: "running", attempt: prev.attempt + 1, startedAt: prev.startedAt ?? d.now });
  const step = node.step;
  const source = rec.paramsOverride ?? ("params" in step ? (step.params as Json | undefined) : undefined) ?? {};
  // Params without templates (and without a gate override) are used as they are: the plan's
  // objects are shared, never mutated, and rendering them would only cost allocations.
  const rendered: StepParamsRender =
    !node.templated && rec.paramsOverride === undefined ? { ok: true, value: source, secrets: [] } : renderStepParams(step.type as LeafStepType, source, d.context(node, rec), d.meter);
  if (!rendered.ok) {
    d.finish(id, "failed", { error: { code: rendered.code, message: rendered.message } });
    return;
  }
  const params = rendered.value;
  switch (node.kind) {
    case "task":
      d.commands.push({
        kind: "start_step",
        runId: d.runId,
        stepId: id,
        attempt: rec.attempt,
        stepType: step.type as LeafStepType,
        params,
        timeoutMs: node.timeoutMs,
        ...(node.resources ? { resources: node.resources } : {}),
        idempotencyKey: `${d.runId}:${id}:${rec.attempt}`,
        redact: rendered.secrets,
        ...(rendered.commandValues ? { commandValues: rendered.commandValues } : {}),
      });
      return;
    case "wait": {
      const p = (params ?? {}) as { duration?: string; until?: string };
      const at = p.duration !== undefined ? d.now + parseDuration(p.duration) : Date.parse(p.until ?? "");
      if (Number.isNaN(at)) {
        d.finish(id, "failed", { error: { code: "invalid_params", message: `wait: "until" is not a timestamp: ${JSON.stringify(p.until)}` } });
        return;
      }
      d.commands.push({ kind: "schedule_timer", runId: d.runId, stepId: id, attempt: rec.attempt, timer: "wait", at });
      return;
    }
    case "subworkflow": {
      const p = (params ?? {}) as { workflow?: string; version?: number; inputs?: Json };
      d.commands.push({
        kind: "start_child_run",
        runId: d.runId,
        stepId: id,
        attempt: rec.attempt,
        workflow: p.workflow ?? "",
        version: p.version,
        inputs: p.inputs ?? {},
      });
      return;
    }
    default:
      throw new EngineError("internal", `step "${id}" of kind ${node.kind} cannot be started`);
  }
}
