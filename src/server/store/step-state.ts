/**
 * The one reader of a StepRun row's `state` column (the engine's StepState as JSON). Every reader —
 * the store, the run read model, the gate services — parses it here, so a record that is not a step
 * record fails with one typed error instead of reaching the engine as a wrong shape. A checked
 * cast rather than a full zod parse: the store reads states on the hot path of every event, and
 * only it writes them (from a StepState), so the fields every record has are checked.
 */
import { isStepStatus, type StepState } from "~/engine";
import { InvalidStepState } from "./store-errors";

export function parseStepState(text: unknown): StepState {
  const source = String(text);
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    throw new InvalidStepState("not JSON", source);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidStepState("not an object", source);
  const { id, status, attempt } = value as Record<string, unknown>;
  if (typeof id !== "string" || id === "") throw new InvalidStepState("without a step id", source);
  if (typeof status !== "string" || !isStepStatus(status)) throw new InvalidStepState("without a known step status", source);
  if (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 0) throw new InvalidStepState("without an attempt number", source);
  return value as StepState;
}
