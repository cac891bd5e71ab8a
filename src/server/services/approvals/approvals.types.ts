/**
 * The boundary of the approvals service: one zod schema per input and output (tRPC, REST), and the
 * types inferred from them (CONVENTIONS.md #5). The use cases (list-approvals, approval-context,
 * decide-approval, decide-many) take and return these.
 */
import { z } from "zod";
import { DECISION_REFUSALS } from "~/engine/approvals/check-decision";
import { DECISION_ACTIONS, type DecisionAction } from "~/engine/approvals/gate-actions";
import { ZArtifact } from "../artifacts";
import { COMMENT_MAX_CHARS } from "../gate-payload";
import { ZGateId, ZId } from "../input-limits";

export const ZGateAction = z.enum(DECISION_ACTIONS);

const ZComment = z.string().max(COMMENT_MAX_CHARS, `A comment has at most ${COMMENT_MAX_CHARS.toLocaleString("en")} characters.`);

export const ZDecideApproval = z.object({
  id: ZGateId,
  action: ZGateAction,
  comment: ZComment.optional(),
  /**
   * modify: the held step's new output (only the fields `approval.editable` lists may change);
   * retry: new params for the next attempt (editable ones only); approve of a gate with a form:
   * the form's values (the older name of `form`).
   */
  payload: z.unknown().optional(),
  /** approve / modify of a gate with a form: the form's values (checked against the form every time) */
  form: z.record(z.string(), z.unknown()).optional(),
  /** modify: new params of steps that depend directly on the gated one (step id -> params; editable fields only) */
  nextParams: z.record(z.string(), z.unknown()).optional(),
});
export type TDecideApproval = z.infer<typeof ZDecideApproval>;

/** A next step's params as a modify changed them. */
const ZParamsChange = z.object({ before: z.unknown(), after: z.unknown() });

const ZDecision = z.object({
  actor: z.string(),
  action: z.string(),
  comment: z.string().nullable(),
  /** modify of a held step: its new output; retry: the new params; a human stage: its form's values */
  payload: z.unknown().optional(),
  /** the form's values as recorded (approve, modify) */
  form: z.record(z.string(), z.unknown()).optional(),
  /** modify: the next steps' params it changed, before and after */
  nextParams: z.record(z.string(), ZParamsChange).optional(),
  at: z.date(),
});

/** Why the caller may not take an action on a gate, for machines; `reason` says it to people. */
export const CAN_DECIDE_CODES = [...DECISION_REFUSALS, "already_decided"] as const;
export const ZVerdict = z.object({ ok: z.boolean(), reason: z.string().optional(), code: z.enum(CAN_DECIDE_CODES).optional() });
export type TVerdict = z.infer<typeof ZVerdict>;

export const ZApproval = z.object({
  id: z.string(),
  runId: z.string(),
  stepId: z.string(),
  attempt: z.number().int(),
  workflow: z.string(),
  status: z.string(),
  policy: z.record(z.string(), z.unknown()),
  output: z.unknown().optional(),
  requestedAt: z.date(),
  expiresAt: z.date().nullable(),
  decidedAt: z.date().nullable(),
  decidedBy: z.string().nullable(),
  startedBy: z.string().nullable(),
  decisions: z.array(ZDecision),
  /** who may decide it now: roles (the escalated ones once due) and users */
  deciders: z.object({ roles: z.array(z.string()), users: z.array(z.string()), escalated: z.boolean() }),
  /** approvals counted so far, and how many it needs */
  approvals: z.object({ count: z.number().int(), needed: z.number().int() }),
  /** whether the caller may approve it now, and why not (the inbox's "Can I decide?") */
  canDecide: ZVerdict,
  /** the same for each action (which buttons a UI enables) */
  actions: z.object(Object.fromEntries(DECISION_ACTIONS.map((a) => [a, ZVerdict])) as Record<DecisionAction, typeof ZVerdict>),
});
export type TApproval = z.infer<typeof ZApproval>;

export const ZListApprovals = z.object({
  /** a gate status, or `decided`: every status but pending (the inbox's Decided tab) */
  status: z.string().max(50).optional(),
  runId: ZId.optional(),
});
export type TListApprovals = z.infer<typeof ZListApprovals>;

export const ZPendingCount = z.object({
  /** pending gates the caller may approve now (the header badge) */
  canDecide: z.number().int(),
  /** pending gates of the team */
  total: z.number().int(),
});
export type TPendingCount = z.infer<typeof ZPendingCount>;

export const ZGateContext = z.object({
  stepId: z.string(),
  type: z.string(),
  /** the gated step's params as its next attempt would use them (a retry's starting point) */
  params: z.unknown(),
  /** the steps that run next, with their params (what a modify may change) */
  next: z.array(z.object({ id: z.string(), type: z.string(), status: z.string(), params: z.unknown() })),
  /** files the gated attempt left in $WF_ARTIFACTS */
  artifacts: z.object({ attempt: z.number().int(), items: z.array(ZArtifact) }),
  /** what approvers may change here (approval.editable): dialogs offer these fields only */
  editable: z.array(z.string()),
});
export type TGateContext = z.infer<typeof ZGateContext>;

export const ZDecideMany = z.object({
  ids: z.array(ZGateId).min(1, "Select at least one gate.").max(200),
  action: z.enum(["approve", "reject"]),
  comment: ZComment.optional(),
});
export type TDecideMany = z.infer<typeof ZDecideMany>;

export const ZBatchResult = z.object({
  id: z.string(),
  ok: z.boolean(),
  status: z.string().optional(),
  /** why this gate was refused (not allowed, already decided, not found) */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type TBatchResult = z.infer<typeof ZBatchResult>;
