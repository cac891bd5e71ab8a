/**
 * Auto mode at a run's start: it approves every gate as the run's starter, so it is refused up
 * front when a gate of the workflow needs more than the starter alone may give (another person,
 * more approvals, a role they lack). The store applies the same rule to each gate as it opens
 * (gates of child runs, roles changed since the start), so this check is the early, clear answer
 * and not the only guard.
 */
import { autoApproval } from "~/engine/approvals/check-decision";
import { ZApprovalPolicy, type WorkflowDefinition } from "~/engine/definition/schema";
import { allSteps } from "~/engine/definition/validate-workflow";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";

export function checkAutoMode(actor: Actor, definition: WorkflowDefinition): void {
  const starter = { userId: actor.userId, email: actor.email, roles: actor.roles, may: { decide: actor.permissions.has("approval.decide"), control: actor.permissions.has("run.control"), author: actor.permissions.has("workflow.write") } };
  for (const { step } of allSteps(definition.steps)) {
    if (step.type !== "approval" && !step.approval) continue;
    const check = autoApproval(ZApprovalPolicy.parse(step.approval ?? {}), starter);
    if (!check.ok) {
      throw new AppError("FORBIDDEN", `Auto mode cannot pass the gate of "${step.id}": ${check.reason.replace(/\.$/, "")}. Start the run interactive (its gates wait for people), let the gate allow self-approval, or start it as someone who may edit the workflow.`, {
        code: "auto_mode_refused",
        step: step.id,
        reason: check.code,
      });
    }
  }
}
