import type { Ids } from "../ports";

/** Predictable ids for tests: run-1, run-2... */
export function sequentialIds(prefix = "run"): Ids {
  let n = 0;
  return { runId: () => `${prefix}-${++n}` };
}
