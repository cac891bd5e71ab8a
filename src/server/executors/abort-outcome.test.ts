import { describe, expect, it } from "vitest";
import { abortOutcome } from "./abort-outcome";

const aborted = (reason?: unknown) => {
  const c = new AbortController();
  c.abort(reason);
  return c.signal;
};

describe("abortOutcome", () => {
  it.each([
    [undefined, { code: "cancelled", message: "step cancelled" }],
    ["cancelled by bob", { code: "cancelled", message: "step cancelled: cancelled by bob" }],
    ["timeout", { code: "timeout", message: "step timed out: timeout" }],
    ["step timed out after 10m", { code: "timeout", message: "step timed out: step timed out after 10m" }],
    [new Error("run cancelled"), { code: "cancelled", message: "step cancelled: run cancelled" }],
    [new DOMException("signal timed out", "TimeoutError"), { code: "timeout", message: "step timed out: signal timed out" }],
    [42, { code: "cancelled", message: "step cancelled" }],
  ])("reason %s", (reason, expected) => {
    expect(abortOutcome(aborted(reason))).toEqual(expected);
  });

  it("recognises AbortSignal.timeout()", async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(abortOutcome(signal).code).toBe("timeout");
  });
});
