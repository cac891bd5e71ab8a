import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "../duration";
import { parseSize, SIZE_PATTERN } from "../size";

/**
 * The workflow format: ONE zod schema, the single source of truth. Types are inferred from it,
 * the JSON Schema is generated from it (json-schema.ts), the loader validates with it.
 * Every object is strict so unknown fields are reported (with a did-you-mean) instead of ignored.
 */

export const ZDuration = z
  .string()
  .regex(DURATION_PATTERN, { message: "write a duration such as 250ms, 30s, 10m, 1h or 1h30m (digits followed by ms, s, m, h or d, no spaces)" })
  .describe("Duration: digits followed by ms, s, m, h or d, combinable (1h30m)");

/** Step ids are referenced from CEL (`steps.<id>`), so they must be CEL identifiers. */
export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ZStepId = z
  .string()
  .regex(STEP_ID_PATTERN, { message: "rename it with letters, digits and _ only, not starting with a digit, e.g. run_tests" })
  .max(64);

/** A CEL expression (without `{{ }}`), e.g. `steps.qa.output.status == "pass"`. */
export const ZExpression = z.string().min(1).describe("CEL expression, e.g. steps.qa.output.status == \"pass\"");

export const ZInputType = z.enum(["string", "number", "boolean", "object", "array"]);

export const ZInputSpec = z.strictObject({
  type: ZInputType.default("string"),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  description: z.string().optional(),
  enum: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
});

export const ZRetryPolicy = z.strictObject({
  max: z.number().int().min(0).max(100).describe("Retries after the first attempt (0 = no retry)"),
  backoff: z.enum(["fixed", "exponential"]).default("fixed"),
  initial: ZDuration.default("1s").describe("Delay before the first retry"),
  max_delay: ZDuration.optional().describe("Upper bound of the delay (exponential backoff)"),
  jitter: z
    .union([z.boolean(), z.number().min(0).max(1)])
    .default(false)
    .describe("Fraction of the delay randomised (seeded, deterministic); true = 0.5"),
  retry_if: ZExpression.optional().describe("CEL over `error` (message, code, exit_code) and `attempt`; retry only when true"),
});

export const ZFormField = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  label: z.string().optional(),
  type: z.enum(["string", "text", "number", "boolean", "select"]).default("string"),
  required: z.boolean().default(false),
  options: z.array(z.string()).optional(),
  default: z.unknown().optional(),
});

export const ZApprovalPolicy = z.strictObject({
  message: z.string().optional().describe("What the approver is asked"),
  approvers: z
    .strictObject({ roles: z.array(z.string()).default([]), users: z.array(z.string()).default([]) })
    .optional(),
  min_approvals: z.number().int().min(1).default(1),
  allow_self_approval: z.boolean().default(false),
  timeout: ZDuration.optional(),
  on_timeout: z.enum(["fail", "skip", "cancel"]).default("fail").describe("Outcome of an expired gate (never approval)"),
  escalate: z.strictObject({ after: ZDuration, roles: z.array(z.string()).min(1) }).optional(),
  form: z.array(ZFormField).optional(),
  editable: z
    .array(z.string())
    .optional()
    .describe("What an approver may change: <step>.params.<name> of the gated step (retry) or a step that needs it (modify), <gated step>.output[.<key>]; nothing else"),
});

const ZStringMap = z.record(z.string(), z.string());

/** A size: a whole number of bytes, or digits and a binary unit (`512MB`, `2GB`, `1.5GiB`). */
export const ZSize = z
  .union([
    z.number().int().positive(),
    z.string().regex(SIZE_PATTERN, { message: "write a size such as 64MB, 512MB or 2GB (digits followed by B, KB, MB, GB or TB, no spaces)" }),
  ])
  .describe("Size: bytes, or digits followed by B, KB, MB, GB or TB (binary: 1GB = 1024MB)");

/** Below these, the shell itself cannot start: a limit that low is a typo, not a choice. */
const MIN_MEMORY = 16 * 1024 * 1024;

/**
 * Whether a value that may not have passed its format check is at least `min` (zod runs a
 * refinement even after the format failed; that value is reported by the format's message).
 */
const atLeast = <T>(parse: (v: T) => number, min: number) => (v: T) => {
  try {
    return parse(v) >= min;
  } catch {
    return true;
  }
};

/**
 * Resource limits of a step that runs processes, applied as rlimits to each of its processes
 * (memory, CPU time) and to the step as a whole (processes). The server's own ceilings
 * (STEP_MEMORY_MAX, STEP_CPU_TIME_MAX, STEP_PROCESSES_MAX) apply when a limit is not given, and a
 * limit above them is refused when the step starts.
 */
export const ZResources = z.strictObject({
  memory: ZSize.refine(atLeast(parseSize, MIN_MEMORY), { message: "at least 16MB: a shell needs a few megabytes to start" })
    .optional()
    .describe("Memory each process may allocate (heap, stacks, private mappings: RLIMIT_DATA), e.g. 512MB, 2GB"),
  cpu_time: ZDuration.refine(atLeast(parseDuration, 1000), { message: "at least 1s: CPU time is limited in whole seconds" })
    .optional()
    .describe("CPU time each process may use (RLIMIT_CPU), e.g. 30s, 10m"),
  processes: z.number().int().min(1).max(1_000_000).optional().describe("Processes and threads the step may run at once (RLIMIT_NPROC)"),
});

export const ZShellParams = z
  .strictObject({
    command: z.string().min(1).optional().describe("Run by /bin/sh -c"),
    argv: z.array(z.string()).min(1).optional().describe("Program and arguments, no shell"),
    env: ZStringMap.optional(),
    cwd: z.string().optional().describe("Working directory inside the run's workspace"),
  })
  .refine((p) => (p.command === undefined) !== (p.argv === undefined), {
    message: "a shell step needs exactly one of params.command (string) or params.argv (list)",
  });

export const ZHttpParams = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
  url: z.string().min(1),
  headers: ZStringMap.optional(),
  body: z.unknown().optional(),
  expect_status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional(),
  timeout: ZDuration.optional(),
});

export const ZAgentParams = z.strictObject({
  agent: z.string().min(1).describe("Agent name or endpoint URL"),
  prompt: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).optional(),
  model: z.string().optional(),
  timeout: ZDuration.optional(),
});

export const ZLlmParams = z.strictObject({
  model: z.string().min(1),
  prompt: z.string().min(1),
  system: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  response_format: z.enum(["text", "json"]).default("text"),
});

export const ZGitParams = z.strictObject({
  operation: z.enum(["clone", "checkout", "branch", "commit", "push", "pull", "merge", "tag", "diff"]),
  repo: z.string().optional(),
  ref: z.string().optional(),
  branch: z.string().optional(),
  message: z.string().optional(),
  remote: z.string().optional(),
  paths: z.array(z.string()).optional(),
});

export const ZNoopParams = z.strictObject({ output: z.unknown().optional() });
export const ZApprovalParams = z.strictObject({ message: z.string().optional() });

export const ZWaitParams = z
  .strictObject({
    duration: ZDuration.optional(),
    until: z.string().optional().describe("ISO-8601 timestamp (templates allowed)"),
  })
  .refine((p) => (p.duration === undefined) !== (p.until === undefined), {
    message: "a wait step needs exactly one of params.duration or params.until",
  });

export const ZSubworkflowParams = z.strictObject({
  workflow: z.string().min(1),
  version: z.number().int().positive().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
});

/** Fields every step has. */
const common = {
  id: ZStepId,
  name: z.string().optional(),
  description: z.string().optional(),
  needs: z.array(ZStepId).optional(),
  if: ZExpression.optional().describe("CEL condition; false skips the step"),
  timeout: ZDuration.optional(),
  retries: ZRetryPolicy.optional(),
  continue_on_failure: z.boolean().optional(),
  approval: ZApprovalPolicy.optional().describe("Hold the step's result for a human decision"),
  outputs: z.record(z.string(), z.string()).optional().describe("Documented output fields: name -> description"),
};

export const ZShellStep = z.strictObject({ ...common, type: z.literal("shell"), params: ZShellParams, resources: ZResources.optional() });
export const ZHttpStep = z.strictObject({ ...common, type: z.literal("http"), params: ZHttpParams });
export const ZAgentStep = z.strictObject({ ...common, type: z.literal("agent"), params: ZAgentParams });
export const ZLlmStep = z.strictObject({ ...common, type: z.literal("llm"), params: ZLlmParams });
export const ZGitStep = z.strictObject({ ...common, type: z.literal("git"), params: ZGitParams, resources: ZResources.optional() });
export const ZNoopStep = z.strictObject({ ...common, type: z.literal("noop"), params: ZNoopParams.optional() });
export const ZApprovalStep = z.strictObject({ ...common, type: z.literal("approval"), params: ZApprovalParams.optional() });
export const ZWaitStep = z.strictObject({ ...common, type: z.literal("wait"), params: ZWaitParams });
export const ZSubworkflowStep = z.strictObject({ ...common, type: z.literal("subworkflow"), params: ZSubworkflowParams });

const leafSteps = [
  ZShellStep,
  ZHttpStep,
  ZAgentStep,
  ZLlmStep,
  ZGitStep,
  ZNoopStep,
  ZApprovalStep,
  ZWaitStep,
  ZSubworkflowStep,
] as const;

/** Leaf steps: the ones an executor (or a timer/gate) runs. */
export const ZLeafStep = z.discriminatedUnion("type", [...leafSteps]);

/** The step template of a foreach: a leaf step without id (instances are named `id[0]`, `id[1]`...). */
export const ZForeachTemplate = z.discriminatedUnion("type", [
  ZShellStep.omit({ id: true, needs: true }),
  ZHttpStep.omit({ id: true, needs: true }),
  ZAgentStep.omit({ id: true, needs: true }),
  ZLlmStep.omit({ id: true, needs: true }),
  ZGitStep.omit({ id: true, needs: true }),
  ZNoopStep.omit({ id: true, needs: true }),
  ZApprovalStep.omit({ id: true, needs: true }),
  ZWaitStep.omit({ id: true, needs: true }),
  ZSubworkflowStep.omit({ id: true, needs: true }),
]);

const lazyStep = z.lazy((): z.ZodType<StepDefinition, StepDefinitionInput> => ZStep);

const ZParallelBase = z.strictObject({
  ...common,
  type: z.literal("parallel"),
  wait_for: z.enum(["all", "any"]).default("all").describe("any: the first success cancels the others"),
});
export const ZParallelStep = ZParallelBase.extend({ steps: z.array(lazyStep).min(1) });

const ZConditionalBase = z.strictObject({
  ...common,
  type: z.literal("conditional"),
  if: ZExpression.describe("CEL condition choosing `then` (true) or `else` (false)"),
});
export const ZConditionalStep = ZConditionalBase.extend({
  then: z.array(lazyStep).min(1),
  else: z.array(lazyStep).optional(),
});

export const ZForeachStep = z.strictObject({
  ...common,
  type: z.literal("foreach"),
  items: ZExpression.describe("CEL expression yielding a list, e.g. inputs.services"),
  concurrency: z.number().int().min(1).max(1000).default(4),
  step: ZForeachTemplate.describe("Template run once per item; `item` and `index` are in scope"),
});

/*
 * Recursive types cannot be inferred by TypeScript on their own, so the control steps are spelled
 * as "inferred base + recursive children"; everything else still comes from z.infer.
 */
export type ParallelStep = z.infer<typeof ZParallelBase> & { steps: StepDefinition[] };
export type ConditionalStep = z.infer<typeof ZConditionalBase> & { then: StepDefinition[]; else?: StepDefinition[] | undefined };
export type ForeachStep = z.infer<typeof ZForeachStep>;
export type StepDefinition = z.infer<typeof ZLeafStep> | ParallelStep | ConditionalStep | ForeachStep;
type StepDefinitionInput =
  | z.input<typeof ZLeafStep>
  | (z.input<typeof ZParallelBase> & { steps: StepDefinitionInput[] })
  | (z.input<typeof ZConditionalBase> & { then: StepDefinitionInput[]; else?: StepDefinitionInput[] | undefined })
  | z.input<typeof ZForeachStep>;

export const ZStep: z.ZodType<StepDefinition, StepDefinitionInput> = z.discriminatedUnion("type", [
  ...leafSteps,
  ZParallelStep,
  ZConditionalStep,
  ZForeachStep,
]);

export const ZWorkflow = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: "rename it with lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. deploy-api" })
    .max(100),
  description: z.string().optional(),
  version: z.union([z.string(), z.number()]).optional(),
  inputs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), ZInputSpec).optional(),
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.unknown()).optional(),
  defaults: z
    .strictObject({ timeout: ZDuration.optional(), retries: ZRetryPolicy.optional(), resources: ZResources.optional().describe("Limits of every step that runs processes (a step's own resources win, field by field)") })
    .optional(),
  concurrency: z.number().int().min(1).max(10_000).optional().describe("Max steps running at once in one run"),
  timeout: ZDuration.optional().describe("Whole-run timeout"),
  outputs: z.record(z.string(), z.string()).optional().describe("Run outputs: name -> template"),
  steps: z.array(ZStep).min(1, { message: "a workflow needs at least one step: add one under steps" }),
});

export type WorkflowDefinition = z.infer<typeof ZWorkflow>;
export type Resources = z.infer<typeof ZResources>;
export type WorkflowInput = z.input<typeof ZWorkflow>;
export type LeafStepDefinition = z.infer<typeof ZLeafStep>;
export type ForeachTemplate = z.infer<typeof ZForeachTemplate>;
export type StepType = StepDefinition["type"];
export type LeafStepType = LeafStepDefinition["type"];
export type RetryPolicy = z.infer<typeof ZRetryPolicy>;
export type ApprovalPolicy = z.infer<typeof ZApprovalPolicy>;
export type InputSpec = z.infer<typeof ZInputSpec>;

export const STEP_TYPES = [
  ...leafSteps.map((o) => o.shape.type.value),
  "parallel",
  "conditional",
  "foreach",
] as const;
