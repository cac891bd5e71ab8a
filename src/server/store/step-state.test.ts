import { describe, expect, it } from "vitest";
import type { StepState } from "~/engine";
import { appErrorOf } from "~/server/errors";
import { parseStepState } from "./step-state";
import { InvalidStepState } from "./store-errors";

describe("parseStepState: the one reader of StepRun.state", () => {
  it("returns the record the store wrote, every field kept", () => {
    const written: StepState = {
      id: "deploy[2]",
      status: "waiting_approval",
      attempt: 3,
      unsatisfied: 0,
      output: { url: "https://x" },
      paramsOverride: { env: { V: "2" } },
      gate: { id: "g1", status: "pending", openedAt: 10 },
      parent: "deploy",
      item: "eu",
      index: 2,
      startedAt: 5,
    };
    expect(parseStepState(JSON.stringify(written))).toEqual(written);
    // (PostgreSQL drivers may hand back other string-likes: the text is what counts.)
    expect(parseStepState(Buffer.from(JSON.stringify(written)))).toEqual(written);
  });

  it("refuses what is not a step record with one typed error naming the problem", () => {
    const cases: [string, string][] = [
      ["{", "not JSON"],
      ["null", "not an object"],
      ["[1]", "not an object"],
      ['{"status":"pending","attempt":0}', "without a step id"],
      ['{"id":"a","status":"done","attempt":0}', "without a known step status"],
      ['{"id":"a","status":"pending"}', "without an attempt number"],
      ['{"id":"a","status":"pending","attempt":-1}', "without an attempt number"],
    ];
    for (const [text, problem] of cases) {
      let thrown: unknown;
      try {
        parseStepState(text);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, text).toBeInstanceOf(InvalidStepState);
      expect(thrown).toMatchObject({ name: "StoreError", code: "invalid_step_state", message: `a StepRun state is ${problem}: ${text}` });
      // a fault of the server, never an answer to a caller
      expect(appErrorOf(thrown)).toBeUndefined();
    }
  });

  it("keeps the error short when the text is long", () => {
    const text = JSON.stringify({ id: "a", status: "nope", attempt: 0, output: "x".repeat(10_000) });
    expect(() => parseStepState(text)).toThrow(/^a StepRun state is without a known step status: .{200}…$/);
  });
});
