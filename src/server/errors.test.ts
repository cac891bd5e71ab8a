import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { EngineError } from "~/engine";
import { createCallerFactory, procedure, router } from "~/server/api/trpc";
import { AppError, appErrorOf, isAppError, isEngineError, isStoreError } from "./errors";
import { NeedsTransaction, StaleError, StoreError } from "./store/store-errors";

// Next.js bundles the engine and the server more than once: the same class from another bundle is
// another class object with the same name and shape. These stand in for such copies.
class OtherBundleEngineError extends Error {
  override readonly name = "EngineError";
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
class OtherBundleAppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

describe("appErrorOf: the one EngineError -> AppError mapping", () => {
  it("returns an AppError itself, also one from another bundle", () => {
    const own = new AppError("NOT_FOUND", "No run r1.");
    expect(appErrorOf(own)).toBe(own);
    const foreign = new OtherBundleAppError("FORBIDDEN", "no");
    expect(foreign instanceof AppError).toBe(false);
    expect(isAppError(foreign)).toBe(true);
    expect(appErrorOf(foreign)).toBe(foreign);
  });

  it("maps the engine errors a caller can act on, keeping their details", () => {
    const input = appErrorOf(new EngineError("invalid_input", 'input "who" is required', { problems: ["who"] }));
    expect(input).toBeInstanceOf(AppError);
    expect(input).toMatchObject({ code: "BAD_REQUEST", message: 'Invalid inputs: input "who" is required.', details: { problems: ["who"] } });
    expect(appErrorOf(new EngineError("conflict", "cannot retry the run"))).toMatchObject({ code: "CONFLICT", message: "cannot retry the run" });
    expect(appErrorOf(new EngineError("input_too_large", 'input "blob" is 300,000 bytes as JSON'))).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: 'Inputs too large: input "blob" is 300,000 bytes as JSON.' });
  });

  it("maps an engine error thrown by another bundle's copy of the engine", () => {
    const foreign = new OtherBundleEngineError("conflict", "cannot retry the run", { stepId: "each" });
    expect(foreign instanceof EngineError).toBe(false);
    expect(isEngineError(foreign)).toBe(true);
    expect(appErrorOf(foreign)).toMatchObject({ code: "CONFLICT", message: "cannot retry the run", details: { stepId: "each" } });
  });

  it("maps the store's errors by code, also from another bundle's copy of the store", () => {
    expect(appErrorOf(new StaleError("stale: lease of run_1/a"))).toMatchObject({ code: "CONFLICT", message: "This changed at the same moment (stale: lease of run_1/a); reload and try again." });
    const foreign = new OtherBundleEngineError("stale", "stale: run run_1");
    Object.defineProperty(foreign, "name", { value: "StoreError" });
    expect(foreign instanceof StoreError).toBe(false);
    expect(isStoreError(foreign)).toBe(true);
    expect(appErrorOf(foreign)).toMatchObject({ code: "CONFLICT" });
    // the store's own signal is never an answer
    expect(appErrorOf(new NeedsTransaction())).toBeUndefined();
  });

  it("leaves faults of the server unmapped (they stay a 500)", () => {
    for (const code of ["internal", "state_incomplete", "unknown_run", "invalid_definition"] as const) expect(appErrorOf(new EngineError(code, "x"))).toBeUndefined();
    expect(appErrorOf(new Error("boom"))).toBeUndefined();
    expect(appErrorOf("AppError")).toBeUndefined();
    expect(appErrorOf({ name: "AppError", code: "NOT_FOUND", message: "not an Error" })).toBeUndefined();
    // the right name with a code outside the vocabulary is not taken for one
    expect(appErrorOf(new OtherBundleAppError("TEAPOT", "x"))).toBeUndefined();
    expect(appErrorOf(new OtherBundleEngineError("made_up", "x"))).toBeUndefined();
  });
});

describe("tRPC maps through appErrorOf", () => {
  const caller = createCallerFactory(
    router({
      engine: procedure.meta({ perm: "public" }).query((): string => {
        throw new OtherBundleEngineError("invalid_input", "input x is required");
      }),
      fault: procedure.meta({ perm: "public" }).query((): string => {
        throw new EngineError("internal", "broken invariant");
      }),
    }),
  )({ actor: null });

  it("answers an engine error a caller can act on with its code, and a fault with 500", async () => {
    await expect(caller.engine()).rejects.toMatchObject({ code: "BAD_REQUEST", message: "Invalid inputs: input x is required." });
    const fault = await caller.fault().catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(TRPCError);
    expect(fault).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
  });
});
