import { DECISION_ACTIONS, GATE_ACTION_RULES, editableOf, type Approval, type GateAction, type GateContext } from "./approval-types";

/** The server's verdict on one action for the caller (`gate.actions[a]`). */
export type Verdict = Approval["actions"][GateAction];

const NOT_YOURS = "You may not decide this gate.";
const NOTHING_EDITABLE = "This gate lets approvers change nothing (approval.editable lists no field).";

/** What approvers may change at this gate, as the retry and modify dialogs offer it. */
export type GateChanges = {
  /** A human stage (no step output to review or modify). */
  stage: boolean;
  editableOutput: readonly string[];
  /** Params of the gated step a retry may change. */
  editableParams: readonly string[];
  /** The next steps with params a modify may change (only those with at least one). */
  editableNext: Array<GateContext["next"][number] & { editable: string[] }>;
  /** Modify has nothing it may change (known once the context has loaded). */
  nothingToModify: boolean;
  /** Retry opens the params dialog (else it only asks to confirm). */
  retryEditsParams: boolean;
};

/** Which decision buttons the panel shows, which are enabled and why not. */
export type GateButtons = {
  /** Shown actions in the table's order: the decisions if the caller may decide, cancel with run control. */
  shown: GateAction[];
  /** The shown actions but cancel (the gate's decisions proper). */
  decisions: GateAction[];
  verdicts: Record<GateAction, Verdict>;
  /** The distinct reasons the shown decisions are refused. */
  refusals: string[];
  /** Every decision is refused but the caller may still cancel the run. */
  onlyCancel: boolean;
  /** The caller may neither decide nor cancel: why. */
  blocked: string | null;
};

export type GateView = { changes: GateChanges; buttons: GateButtons; deciders: string };

/** What a gate lets approvers change, from its context (`undefined` while it loads). */
export function gateChanges(stepId: string, context: GateContext | undefined): GateChanges {
  const stage = context?.type === "approval";
  const editable = editableOf(stepId, context?.editable ?? []);
  const editableNext = (context?.next ?? []).map((n) => ({ ...n, editable: editable.next(n.id) })).filter((n) => n.editable.length > 0);
  const editableOutput = stage ? [] : editable.output;
  return {
    stage,
    editableOutput,
    editableParams: editable.params,
    editableNext,
    // Modify needs something it may change.
    nothingToModify: context !== undefined && editableOutput.length === 0 && editableNext.length === 0,
    // Retry edits params only where the gate allows it.
    retryEditsParams: context !== undefined && !stage && editable.params.length > 0,
  };
}

/**
 * The server's verdict per action (`gate.actions`, from the engine's one table), and which actions
 * the caller sees at all. Modify is also off when the gate lists nothing to change: said on the
 * button only, since it is how the gate is written, not a refusal of this person.
 */
export function gateButtons(gate: Pick<Approval, "actions" | "canDecide">, mayDecide: boolean, nothingToModify: boolean): GateButtons {
  const verdicts = Object.fromEntries(
    DECISION_ACTIONS.map((a) => [a, gate.actions[a].ok && a === "modify" && nothingToModify ? { ok: false, reason: NOTHING_EDITABLE } : gate.actions[a]]),
  ) as Record<GateAction, Verdict>;
  const shown = DECISION_ACTIONS.filter((a) => (GATE_ACTION_RULES[a].right === "control" ? gate.actions.cancel.ok : mayDecide));
  const decisions = shown.filter((a) => a !== "cancel");
  const refusals = [...new Set(decisions.map((a) => gate.actions[a]).filter((v) => !v.ok).map((v) => v.reason ?? NOT_YOURS))];
  return {
    shown,
    decisions,
    verdicts,
    refusals,
    onlyCancel: gate.actions.cancel.ok && decisions.every((a) => !gate.actions[a].ok),
    blocked: !mayDecide && !gate.actions.cancel.ok ? (gate.canDecide.reason ?? NOT_YOURS) : null,
  };
}

/** Who may decide, in words: "lead, ops roles or ana" ("" when nobody is named). */
export function decidersText(deciders: Pick<Approval["deciders"], "roles" | "users">): string {
  const roles = deciders.roles.length ? `${deciders.roles.join(", ")} role${deciders.roles.length > 1 ? "s" : ""}` : "";
  return [roles, ...deciders.users].filter(Boolean).join(" or ");
}

/** Everything the panel derives from the gate, its context and the caller's right to decide. */
export function gateView(gate: Pick<Approval, "stepId" | "actions" | "canDecide" | "deciders">, context: GateContext | undefined, mayDecide: boolean): GateView {
  const changes = gateChanges(gate.stepId, context);
  return { changes, buttons: gateButtons(gate, mayDecide, changes.nothingToModify), deciders: decidersText(gate.deciders) };
}
