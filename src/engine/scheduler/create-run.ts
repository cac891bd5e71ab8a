import type { WorkflowDefinition } from "../definition/schema";
import { EngineError } from "../errors";
import type { Plan } from "../graph/compile-plan";
import type { Json } from "../json";
import { jsonBytes, utf8Length } from "../json-size";
import type { RunHeader, StepState } from "./types";

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

/** Size limits of a run's inputs, measured as UTF-8 JSON (what is stored and what steps receive). */
export interface InputLimits {
  /** All inputs together. @default 1 MiB (RUN_INPUTS_MAX_BYTES on the server) */
  totalBytes: number;
  /** One input value. @default 256 KiB (RUN_INPUT_MAX_BYTES on the server) */
  valueBytes: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = { totalBytes: 1024 * 1024, valueBytes: 256 * 1024 };

const fmt = (n: number): string => n.toLocaleString("en");

/** Refuses inputs over the limits (EngineError "input_too_large"), naming the input and the limit. */
function checkInputSizes(given: Record<string, unknown>, limits: InputLimits): void {
  // Exactly the bytes of JSON.stringify(given): braces, `"name":value` per input, commas between.
  const entries = Object.entries(given).filter(([, value]) => value !== undefined);
  let total = 2 + Math.max(0, entries.length - 1);
  const problems: string[] = [];
  for (const [name, value] of entries) {
    const bytes = jsonBytes(value);
    // (A value nested deeper than the stack, or one JSON cannot hold.)
    if (bytes === undefined) throw new EngineError("invalid_input", `input "${name}" cannot be stored as JSON: nest it less deeply`, { problems: [`input "${name}" cannot be stored as JSON`] });
    total += utf8Length(JSON.stringify(name)) + 1 + bytes;
    if (bytes > limits.valueBytes) {
      problems.push(`input "${name}" is ${fmt(bytes)} bytes as JSON; one input may be at most ${fmt(limits.valueBytes)} bytes (RUN_INPUT_MAX_BYTES)`);
    }
  }
  if (problems.length === 0 && total > limits.totalBytes) {
    problems.push(`the inputs are ${fmt(total)} bytes as JSON together; a run's inputs may be at most ${fmt(limits.totalBytes)} bytes (RUN_INPUTS_MAX_BYTES)`);
  }
  if (problems.length > 0) {
    throw new EngineError("input_too_large", `${problems.join("; ")}. Pass large data as a file, an artifact or a URL instead`, { problems, limits });
  }
}

/**
 * Applies defaults and checks required inputs, types and enums; throws EngineError("invalid_input").
 * Inputs over `limits` throw EngineError("input_too_large") before anything else looks at them.
 */
export function resolveInputs(definition: WorkflowDefinition, given: Record<string, unknown> = {}, limits: InputLimits = DEFAULT_INPUT_LIMITS): Record<string, Json> {
  checkInputSizes(given, limits);
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
  /** @default DEFAULT_INPUT_LIMITS */
  inputLimits?: InputLimits;
}

/** The initial records of a run: one per plan node, `pending`, with its needs counted. O(steps). */
export function createRun(plan: Plan, options: CreateRunOptions): { run: RunHeader; steps: StepState[] } {
  const inputs = resolveInputs(plan.definition, options.inputs, options.inputLimits);
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
