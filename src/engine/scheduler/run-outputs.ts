import { evaluate, type ExpressionContext } from "../expressions/evaluate";
import { renderValue } from "../expressions/render-template";
import type { Json } from "../json";
import type { DecisionDraft } from "./decision-draft";

/** The workflow's `outputs:` of a run that succeeded, evaluated over the records as of this decision (a failed one is null). */
export function runOutputs(d: DecisionDraft): Record<string, Json> {
  const outputs: Record<string, Json> = {};
  const defs = d.plan.definition.outputs ?? {};
  for (const [name, template] of Object.entries(defs)) {
    const steps: NonNullable<ExpressionContext["steps"]> = {};
    for (const node of d.plan.order) {
      if (!template.includes(node.id)) continue;
      const r = d.peek(node.id);
      if (r) steps[node.id] = { status: r.status, output: r.output ?? null, attempt: r.attempt };
    }
    const ctx: ExpressionContext = { inputs: d.state.run.inputs, variables: d.state.run.variables, steps, run: { id: d.runId } };
    const r = template.includes("{{") ? renderValue(template, ctx, d.meter) : evaluate(template, ctx, d.meter);
    outputs[name] = r.ok ? r.value : null;
  }
  return outputs;
}
