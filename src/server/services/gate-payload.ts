/**
 * What a gate decision carries, checked before anything is recorded: the form's values (on every
 * action that passes a gate with a form), a held step's new output and the next steps' params
 * (modify), the held step's params (retry). Only the fields the gate lists in `approval.editable`
 * may change, a changed value is never a template, and the whole decision has a size limit.
 */
import { changedPaths, firstNotEditable, firstTemplate } from "~/engine/approvals/editable";
import { GATE_ACTION_RULES, type DecisionAction } from "~/engine/approvals/gate-actions";
import { validateForm } from "~/engine/approvals/validate-form";
import { paramsSchema } from "~/engine/definition/params-schema";
import type { ApprovalPolicy, WorkflowDefinition } from "~/engine/definition/schema";
import { allSteps } from "~/engine/definition/validate-workflow";
import type { JsonObject } from "~/engine/json";
import type { StepState } from "~/engine/scheduler/types";
import { AppError } from "~/server/errors";
import type { SqlExec } from "~/server/store/sql";
import { parseStepState } from "~/server/store/step-state";

/** A decision's comment, at most (characters). */
export const COMMENT_MAX_CHARS = 10_000;
/** What one decision may carry in all (comment, payload, form values, nextParams; UTF-8 bytes of their JSON). */
export const DECISION_MAX_BYTES = 1024 * 1024;

export type DecisionInput = {
  action: DecisionAction;
  comment?: string | undefined;
  payload?: unknown;
  form?: Record<string, unknown> | undefined;
  nextParams?: Record<string, unknown> | undefined;
};

export type CheckedPayload = {
  /** modify of a held step: its new output; retry: the next attempt's params; a human stage's approve/modify: its form's values */
  payload: unknown;
  /** approve / modify of a gate with a form: the values as checked (defaults applied) */
  form?: JsonObject;
  /** modify: the next steps' params it changes, with what they replace */
  nextParams?: Record<string, { before: unknown; after: unknown }>;
};


/** Refuses (413) a decision over DECISION_MAX_BYTES, before any database work. */
export function checkDecisionSize(input: DecisionInput): void {
  const size = new TextEncoder().encode(JSON.stringify([input.comment ?? null, input.payload ?? null, input.form ?? null, input.nextParams ?? null])).length;
  if (size > DECISION_MAX_BYTES) {
    throw new AppError("PAYLOAD_TOO_LARGE", `This decision carries ${size.toLocaleString("en")} bytes (comment, payload, form values and nextParams together); a decision carries at most ${DECISION_MAX_BYTES.toLocaleString("en")} bytes (1 MiB).`, {
      code: "decision_too_large",
      size,
      limit: DECISION_MAX_BYTES,
    });
  }
}

export type DefinitionStep = { id: string; type: string; params: unknown; needs: readonly string[] };

/** The steps of a run's workflow version, by id (nested control steps included). */
export async function definitionSteps(q: Pick<SqlExec, "all">, runId: string): Promise<Map<string, DefinitionStep>> {
  const rows = await q.all<{ definition: string }>('SELECT v."definition" FROM "Run" r JOIN "WorkflowVersion" v ON v."id" = r."workflowVersionId" WHERE r."id" = ?', [runId]);
  const out = new Map<string, DefinitionStep>();
  const def = rows[0] ? (JSON.parse(rows[0].definition) as WorkflowDefinition) : undefined;
  for (const { step } of allSteps(def?.steps ?? [])) out.set(step.id, { id: step.id, type: step.type, params: "params" in step ? (step.params as unknown) : undefined, needs: step.needs ?? [] });
  return out;
}

/** Step records of a run, by id (their params overrides set at gates). */
export async function stepStates(q: Pick<SqlExec, "all">, runId: string, ids: readonly string[]): Promise<Map<string, StepState>> {
  if (ids.length === 0) return new Map();
  const rows = await q.all<{ state: string }>(`SELECT "state" FROM "StepRun" WHERE "runId" = ? AND "stepId" IN (${ids.map(() => "?").join(",")})`, [runId, ...ids]);
  return new Map(rows.map((r) => parseStepState(r.state)).map((st) => [st.id, st]));
}

/** Steps a modify may give new params: leaf steps with params that need the gated step directly. */
export function nextStepsOf(steps: ReadonlyMap<string, DefinitionStep>, stepId: string): DefinitionStep[] {
  return [...steps.values()].filter((s) => s.needs.includes(stepId) && paramsSchema(s.type) !== undefined && s.type !== "approval");
}

export const currentParams = (def: DefinitionStep | undefined, st: StepState | undefined): unknown => st?.paramsOverride ?? def?.params ?? {};

/** Checks params against a step type's schema; BAD_REQUEST naming the step and the field otherwise. */
function checkParams(what: string, type: string, params: unknown): void {
  const schema = paramsSchema(type);
  if (!schema) throw new AppError("BAD_REQUEST", `${what} is a ${type} step: it has no params to change.`);
  const r = schema.safeParse(params);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue && issue.path.length ? ` at params.${issue.path.join(".")}` : "";
    throw new AppError("BAD_REQUEST", `Invalid params for ${what} (${type})${at}: ${issue?.message ?? "invalid"}.`, { issues: r.error.issues });
  }
}

/**
 * Only listed fields change, and no changed value is a template (`{{ }}` in params would be
 * evaluated with the run's context when the step starts: a value set at a gate is data).
 */
function checkEditable(policy: ApprovalPolicy, base: string[], before: unknown, after: unknown, checkTemplates: boolean): void {
  const changed = changedPaths(before, after);
  const editable = policy.editable ?? [];
  const field = firstNotEditable(editable, base, changed);
  if (field) {
    const listed = editable.length ? `it lets approvers change only ${editable.join(", ")}` : "it lists nothing an approver may change (approval.editable)";
    throw new AppError("FORBIDDEN", `${field} is not editable at this gate: ${listed}.`, { code: "not_editable", field });
  }
  const template = checkTemplates ? firstTemplate(after, base, changed) : undefined;
  if (template) {
    throw new AppError("BAD_REQUEST", `${template}: a value set at a gate is data, and "{{" would make it a template evaluated when the step starts: remove the braces.`, { code: "template_in_value", field: template });
  }
}

function checkForm(policy: ApprovalPolicy, values: unknown): JsonObject {
  const checked = validateForm(policy.form ?? [], values);
  if (!checked.ok) throw new AppError("BAD_REQUEST", `Form: ${checked.message}.`, { code: "invalid_form", field: checked.field });
  return checked.values;
}

type GateRow = { runId: string; stepId: string; output: string | null };

/**
 * What a decision carries, checked against the gate (see the file comment). Bad values are refused
 * with a message naming the field: 400 for a value that does not fit, 403 (`not_editable`) for a
 * field the gate does not let approvers change.
 */
export async function checkDecisionPayload(q: Pick<SqlExec, "all">, row: GateRow, policy: ApprovalPolicy, input: DecisionInput): Promise<CheckedPayload> {
  const carries = GATE_ACTION_RULES[input.action].carries;
  const hasForm = (policy.form ?? []).length > 0;
  const nextGiven = input.nextParams !== undefined && Object.keys(input.nextParams).length > 0;
  if (nextGiven && input.action !== "modify") throw new AppError("BAD_REQUEST", "nextParams go with modify only.");
  if (input.form !== undefined && !hasForm) throw new AppError("BAD_REQUEST", "This gate has no form: send no form values.");
  if (input.form !== undefined && carries !== "form" && carries !== "changes") throw new AppError("BAD_REQUEST", `${input.action} takes no form values: the form is answered by approve or modify.`);
  switch (input.action) {
    case "approve": {
      if (!hasForm) {
        if (input.payload !== undefined) throw new AppError("BAD_REQUEST", "This gate has no form: approve takes no payload.");
        return { payload: undefined };
      }
      if (input.payload !== undefined && input.form !== undefined) throw new AppError("BAD_REQUEST", "Send the form's values once: in form (payload is its older name on approve).");
      const form = checkForm(policy, input.form ?? input.payload);
      const steps = await definitionSteps(q, row.runId);
      return { payload: steps.get(row.stepId)?.type === "approval" ? form : undefined, form };
    }
    case "modify": {
      const steps = await definitionSteps(q, row.runId);
      const stage = steps.get(row.stepId)?.type === "approval";
      if (stage && input.payload !== undefined) throw new AppError("BAD_REQUEST", `${row.stepId} is a human stage: its output is its form's values; send them in form.`);
      const form = hasForm ? checkForm(policy, input.form) : undefined;
      if (input.payload === undefined && !nextGiven && form === undefined) {
        throw new AppError("BAD_REQUEST", "modify needs a payload (the step's new output, JSON) or nextParams (new params of the steps that run next).");
      }
      if (input.payload !== undefined) checkEditable(policy, [row.stepId, "output"], row.output === null ? undefined : (JSON.parse(row.output) as unknown), input.payload, false);
      const out: CheckedPayload = { payload: stage ? form : input.payload, ...(form ? { form } : {}) };
      if (!nextGiven) return out;
      const next = nextStepsOf(steps, row.stepId);
      const states = await stepStates(q, row.runId, next.map((n) => n.id));
      const changes: Record<string, { before: unknown; after: unknown }> = {};
      for (const [id, params] of Object.entries(input.nextParams ?? {})) {
        const step = next.find((n) => n.id === id);
        if (!step) {
          const names = next.map((n) => n.id).join(", ");
          throw new AppError("BAD_REQUEST", `Step "${id}" does not run right after ${row.stepId}: ${names ? `only ${names} can get new params here` : `no step after ${row.stepId} takes params`}.`, { field: id });
        }
        const before = currentParams(step, states.get(id));
        checkEditable(policy, [id, "params"], before, params, true);
        checkParams(`step "${id}"`, step.type, params);
        changes[id] = { before, after: params };
      }
      return { ...out, nextParams: changes };
    }
    case "retry": {
      if (input.payload === undefined) return { payload: undefined };
      const steps = await definitionSteps(q, row.runId);
      const step = steps.get(row.stepId);
      if (!step || step.type === "approval") throw new AppError("BAD_REQUEST", `${row.stepId} is a human stage: a retry opens it again, it takes no params.`);
      const states = await stepStates(q, row.runId, [row.stepId]);
      checkEditable(policy, [row.stepId, "params"], currentParams(step, states.get(row.stepId)), input.payload, true);
      checkParams(`step "${row.stepId}"`, step.type, input.payload);
      return { payload: input.payload };
    }
    case "skip":
    case "reject":
    case "cancel":
      if (input.payload !== undefined) throw new AppError("BAD_REQUEST", `${input.action} takes no payload.`);
      return { payload: undefined };
  }
}
