/**
 * Approval gates, one use case per file: the inbox and one gate (list-approvals), what a pending
 * gate shows (gate-context), one decision (decide-approval), a batch (decide-many); their
 * boundary schemas in approvals.types. Audit entries are written by services/audit (recordAudit).
 */
export * from "./approvals.types";
export { listApprovals, getApproval, pendingCount } from "./list-approvals";
export { gateContext } from "./gate-context";
export { decideApproval } from "./decide-approval";
export { decideMany } from "./decide-many";
