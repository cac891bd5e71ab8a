import { describe, expect, it } from "vitest";
import { resolveRetry } from "../retry/backoff";
import { stepFailureOutcome } from "./step-failure";

const error = { message: "exit 1", exit_code: 1 };
const policy = resolveRetry({ max: 2, backoff: "exponential", initial: "1s", jitter: 0 });

describe("stepFailureOutcome", () => {
  it("retries while attempts are left, with the policy's backoff, then fails", () => {
    const never = () => {
      throw new Error("no retry_if in this policy");
    };
    expect(stepFailureOutcome(policy, { attempt: 1, error, seed: "r:s:1" }, never)).toEqual({ kind: "retry", delayMs: 1000, error });
    expect(stepFailureOutcome(policy, { attempt: 2, error, seed: "r:s:2" }, never)).toEqual({ kind: "retry", delayMs: 2000, error });
    expect(stepFailureOutcome(policy, { attempt: 3, error, seed: "r:s:3" }, never)).toEqual({ kind: "failed", error });
  });

  it("fails at once without a policy", () => {
    expect(stepFailureOutcome(undefined, { attempt: 1, error, seed: "r:s:1" }, () => true)).toEqual({ kind: "failed", error });
  });

  it("asks retry_if only when an attempt is left, and fails when it is false", () => {
    const withIf = resolveRetry({ max: 1, backoff: "fixed", initial: "5s", jitter: 0, retry_if: "error.exit_code == 1" });
    const asked: string[] = [];
    const retryIf = (answer: boolean) => (condition: string) => (asked.push(condition), answer);
    expect(stepFailureOutcome(withIf, { attempt: 1, error, seed: "s" }, retryIf(true))).toEqual({ kind: "retry", delayMs: 5000, error });
    expect(stepFailureOutcome(withIf, { attempt: 1, error, seed: "s" }, retryIf(false))).toEqual({ kind: "failed", error });
    expect(stepFailureOutcome(withIf, { attempt: 2, error, seed: "s" }, retryIf(true))).toEqual({ kind: "failed", error });
    expect(asked).toEqual(["error.exit_code == 1", "error.exit_code == 1"]);
  });
});
