/**
 * The audit log's one vocabulary: every action a row may name, and the kind of object it changes.
 * A row's target is stored as `<type>:<id>` (e.g. `run:run_3f…`, `gate:run_3f…/review#1`); the
 * type is fixed by the action, so filtering by target type is filtering by the action's prefix.
 * Pure (no node:*): the audit page imports it for its filters.
 */
export const AUDIT_TARGET_TYPES = ["run", "gate", "workflow", "user", "token", "team", "webhook"] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export const AUDIT_ACTIONS = {
  "run.started": "run",
  "run.cancelled": "run",
  "run.paused": "run",
  "run.resumed": "run",
  "run.retried": "run",
  /** a new version saved (editor, API, or a changed workflows/*.yaml at start) */
  "workflow.saved": "workflow",
  /** an old version saved again as the newest */
  "workflow.restored": "workflow",
  "user.created": "user",
  /** the user's roles (memberships) in the team */
  "user.roles_changed": "user",
  "user.disabled": "user",
  "user.enabled": "user",
  "user.password_reset": "user",
  "token.created": "token",
  "token.revoked": "token",
  "team.created": "team",
  "webhook.created": "webhook",
  "webhook.updated": "webhook",
  "webhook.deleted": "webhook",
  "gate.opened": "gate",
  /** an approval below the gate's quorum (N of M) */
  "gate.approval_recorded": "gate",
  "gate.decided": "gate",
  "gate.expired": "gate",
  "gate.escalated": "gate",
} as const satisfies Record<string, AuditTargetType>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as AuditAction[];

/** Who may read which rows: decisions on gates are shown to approvers too, the rest to admins. */
export function isDecisionAction(action: string): boolean {
  return action.startsWith("gate.");
}

export type AuditTarget = { type: AuditTargetType; id: string };

export function formatTarget(t: AuditTarget): string {
  return `${t.type}:${t.id}`;
}

/**
 * A stored target back into type and id. Rows written before targets had a type (gate rows only,
 * `runId/stepId#attempt`) read as gates.
 */
export function parseTarget(stored: string): AuditTarget {
  const m = /^([a-z]+):(.*)$/s.exec(stored);
  const type = m?.[1] as AuditTargetType | undefined;
  if (m && type && (AUDIT_TARGET_TYPES as readonly string[]).includes(type)) return { type, id: m[2] ?? "" };
  return { type: "gate", id: stored };
}

/** A gate's target: the gated attempt of a run's step (`runId/stepId#attempt`). */
export function gateTarget(runId: string, stepId: string, attempt: number | string): AuditTarget {
  return { type: "gate", id: `${runId}/${stepId}#${attempt}` };
}

/** The attempt named by an engine gate id (`runId:stepId:attempt`). */
export function gateAttempt(gateId: string): string {
  return gateId.slice(gateId.lastIndexOf(":") + 1);
}
