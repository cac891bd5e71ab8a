import { EngineError } from "../errors";
import { planNodeOf, type Plan } from "../graph/compile-plan";
import { canRetryRun, isSatisfied, type StepStatus } from "../status";
import type { DecisionDraft, EventOf, Followup } from "./decision-draft";
import { continueForeach } from "./foreach";
import { scheduleRunTimeout } from "./run-events";
import type { StepState } from "./types";

/** Statuses a run retry reads (`RunState.stepsWithStatus`): the failed region of a finished run. */
export const RETRY_CANDIDATE_STATUSES: readonly StepStatus[] = ["failed", "cancelled", "skipped"];

/** Outcome fields of a record: a retried record loses them (set to undefined: cleared, NULL in a database). */
const OUTCOME_FIELDS = ["blockedBy", "closedNeeds", "output", "error", "reason", "gate", "finishedAt", "items", "nextItem", "activeChildren", "failedChild"] as const satisfies readonly (keyof StepState)[];

/** `rec` back to `pending` without its previous outcome; keeps attempt, startedAt, paramsOverride, parent/item/index. */
function pendingAgain(rec: StepState): StepState {
  const next: StepState = { ...rec, status: "pending" };
  for (const field of OUTCOME_FIELDS) next[field] = undefined;
  return next;
}

/**
 * Whether a record of a finished run is part of its failed region (re-run by a retry):
 * - failed, unless `continue_on_failure` (the run tolerated it; its dependents may have used it);
 * - skipped because a need failed or was cancelled (`blockedBy`); not by `if`, branch or gate;
 * - cancelled, unless it lost a `wait_for: any` race (a dependent any-join succeeded).
 */
function inFailedRegion(d: DecisionDraft, plan: Plan, rec: StepState): boolean {
  switch (rec.status) {
    case "failed":
      return !planNodeOf(plan, rec.id).continueOnFailure;
    case "skipped":
      return rec.blockedBy !== undefined;
    case "cancelled": {
      if (rec.parent !== undefined) return true;
      for (const dep of planNodeOf(plan, rec.id).dependents) {
        if (planNodeOf(plan, dep).needsMode === "any" && d.get(dep).status === "succeeded") return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** The failed region, in plan order (a foreach's instances after it, by index). Its records become readable through `d`. */
function failedRegion(d: DecisionDraft): StepState[] {
  const { plan, state } = d;
  if (!state.stepsWithStatus) {
    throw new EngineError("internal", "retrying a run needs RunState.stepsWithStatus: this store cannot list a run's records by status");
  }
  const found = state.stepsWithStatus(RETRY_CANDIDATE_STATUSES);
  for (const rec of found) d.loaded.set(rec.id, rec);
  const candidates = found.filter((rec) => inFailedRegion(d, plan, rec));
  const candidateIds = new Set(candidates.map((rec) => rec.id));
  // A failed or cancelled instance always failed or cancelled its foreach: instances follow it.
  const region = candidates.filter((rec) => rec.parent === undefined || candidateIds.has(rec.parent));
  const position = new Map(plan.order.map((node, i) => [node.id, i]));
  const rank = (rec: StepState): number => position.get(rec.parent ?? rec.id) ?? 0;
  region.sort((a, b) => rank(a) - rank(b) || (a.parent === undefined ? -1 : (a.index ?? 0)) - (b.parent === undefined ? -1 : (b.index ?? 0)));
  return region;
}

/**
 * The foreaches of the region that had created their instances: resumed, not re-expanded (id ->
 * their instances in the region). Refused when such a foreach has a need in the region.
 */
function resumedForeaches(plan: Plan, region: readonly StepState[], regionIds: ReadonlySet<string>): Map<string, StepState[]> {
  const resumed = new Map<string, StepState[]>();
  for (const rec of region) {
    const node = planNodeOf(plan, rec.id);
    if (rec.parent === undefined && node.kind === "foreach" && rec.items !== undefined) {
      const need = node.needs.find((n) => regionIds.has(n));
      if (need !== undefined) {
        throw new EngineError("conflict", `cannot retry the run: foreach "${rec.id}" already ran its items but its need "${need}" would run again; start a new run`, { stepId: rec.id, need });
      }
      resumed.set(rec.id, []);
    }
  }
  for (const rec of region) {
    if (rec.parent === undefined) continue;
    const siblings = resumed.get(rec.parent);
    if (!siblings) throw new EngineError("internal", `foreach instance "${rec.id}" has no expanded parent "${rec.parent}"`, { stepId: rec.id });
    siblings.push(rec);
  }
  return resumed;
}

/**
 * `run_retry_requested`: puts the failed region of a failed or cancelled run back to work. An
 * empty decision when the run is in any other status (status.ts canRetryRun) or nothing is left to re-run.
 *
 * - Region records (see inFailedRegion) go back to `pending` with their attempt kept, then their
 *   needs outside the region (all terminal) are replayed through needFinished, exactly as if they
 *   had just finished: `unsatisfied`, `closedNeeds`, `blockedBy` come out as in a first run and the
 *   records whose needs are met become ready (or run at once: noop, branch, join) in plan order.
 * - A foreach that had created its instances is resumed, not re-expanded: it stays `running` with
 *   its items, its failed/cancelled instances run again (attempt kept), succeeded ones keep their
 *   output, unlaunched items continue. At most `concurrency` instances are in the region (a failure
 *   stops launching), so the limit holds. Refused with EngineError("conflict") when such a foreach
 *   has a need in the region (it would have to be re-expanded while its instance records exist):
 *   possible only when it ran after a need that was skipped because of an upstream failure.
 * - Counters follow the records' statuses (run-counters.ts): `remaining` +1 per region record,
 *   `failed` -1 per failed one; `running` and `waitingApproval` start from 0.
 * - The run is `running` again; `reason`, `failure`, `finishedAt` are cleared (RunPatch.clear) and
 *   a run timeout, if any, is scheduled again from now.
 */
export function onRunRetryRequested(d: DecisionDraft, event: EventOf<"run_retry_requested">): Followup {
  if (!canRetryRun(d.state.run.status)) return "done";
  const { plan } = d;
  const region = failedRegion(d);
  if (region.length === 0) return "done";
  const regionIds = new Set(region.map((rec) => rec.id));
  const resumed = resumedForeaches(plan, region, regionIds);

  d.zeroOpen(["running", "waitingApproval"]);
  for (const rec of region) {
    if (rec.parent !== undefined) d.put({ ...pendingAgain(rec), unsatisfied: 0 });
    else if (resumed.has(rec.id)) d.put({ ...pendingAgain(rec), status: "running", items: rec.items, nextItem: rec.nextItem, unsatisfied: 0 });
    else d.put({ ...pendingAgain(rec), unsatisfied: planNodeOf(plan, rec.id).needs.length });
  }
  for (const [id, instances] of resumed) d.update(id, { activeChildren: instances.length });

  d.runPatch.status = "running";
  for (const field of ["reason", "failure", "finishedAt"] as const) d.cleared.add(field);
  scheduleRunTimeout(d, event.at);

  for (const rec of region) {
    if (rec.parent !== undefined || resumed.has(rec.id)) continue;
    const node = planNodeOf(plan, rec.id);
    if (node.needs.length === 0) {
      d.ready(rec.id);
      continue;
    }
    for (const need of node.needs) {
      if (regionIds.has(need)) continue;
      const status = d.get(need).status;
      d.needFinished(rec.id, need, status, isSatisfied(status, planNodeOf(plan, need).continueOnFailure));
    }
  }
  for (const [id, instances] of resumed) {
    for (const rec of instances) d.ready(rec.id);
    if (instances.length === 0) continueForeach(d, id, planNodeOf(plan, id));
  }
  return "settle";
}
