import type { WorkflowDefinition } from "../definition/schema";
import { EngineError } from "../errors";
import type { Plan } from "../graph/compile-plan";
import type { Json } from "../json";
import type { RunHeader, StepState } from "./types";

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

/** Applies defaults and checks required inputs, types and enums; throws EngineError("invalid_input"). */
export function resolveInputs(definition: WorkflowDefinition, given: Record<string, unknown> = {}): Record<string, Json> {
  const specs = definition.inputs ?? {};
  const out: Record<string, Json> = {};
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in specs)) problems.push(`unknown input "${name}"`);
  }
  for (const [name, spec] of Object.entries(specs)) {
    let value = given[name] ?? spec.default;
    if (value === undefined) {
      if (spec.required) problems.push(`input "${name}" is required`);
      continue;
    }
    // Inputs from a command line arrive as strings: coerce the obvious cases.
    if (typeof value === "string" && spec.type === "number" && value.trim() !== "" && !Number.isNaN(Number(value))) value = Number(value);
    if (typeof value === "string" && spec.type === "boolean" && (value === "true" || value === "false")) value = value === "true";
    if (kindOf(value) !== spec.type) {
      problems.push(`input "${name}" must be ${spec.type}, got ${kindOf(value)}`);
      continue;
    }
    if (spec.enum && !spec.enum.some((e) => e === value)) {
      problems.push(`input "${name}" must be one of ${spec.enum.join(", ")}`);
      continue;
    }
    out[name] = JSON.parse(JSON.stringify(value)) as Json;
  }
  if (problems.length > 0) throw new EngineError("invalid_input", problems.join("; "), { problems });
  return out;
}

export interface CreateRunOptions {
  runId: string;
  inputs?: Record<string, unknown>;
  startedBy?: string;
  approvalMode?: "interactive" | "auto";
  parent?: RunHeader["parent"];
}

/** The initial records of a run: one per plan node, `pending`, with its needs counted. O(steps). */
export function createRun(plan: Plan, options: CreateRunOptions): { run: RunHeader; steps: StepState[] } {
  const inputs = resolveInputs(plan.definition, options.inputs);
  const steps: StepState[] = plan.order.map((node) => ({ id: node.id, status: "pending", attempt: 0, unsatisfied: node.needs.length }));
  const run: RunHeader = {
    id: options.runId,
    workflow: plan.name,
    status: "queued",
    inputs,
    variables: (JSON.parse(JSON.stringify(plan.definition.variables ?? {})) as Record<string, Json>),
    counters: { remaining: steps.length, running: 0, failed: 0, waitingApproval: 0 },
    ...(options.startedBy !== undefined ? { startedBy: options.startedBy } : {}),
    ...(options.approvalMode !== undefined ? { approvalMode: options.approvalMode } : {}),
    ...(options.parent !== undefined ? { parent: options.parent } : {}),
  };
  return { run, steps };
}

/** The step ids decide() will read for an event on `stepId`: the step, its dependents, their refs. */
export function touchedSteps(plan: Plan, stepId: string | undefined): string[] {
  if (stepId === undefined) return [];
  const node = plan.nodes.get(stepId);
  const out = new Set<string>([stepId]);
  if (!node) return [...out];
  for (const dep of node.dependents) {
    out.add(dep);
    for (const ref of plan.nodes.get(dep)?.refs ?? []) out.add(ref);
  }
  for (const ref of node.refs) out.add(ref);
  return [...out];
}
