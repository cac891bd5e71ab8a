/**
 * The store's errors are typed the same on SQLite and PostgreSQL: a guarded write that changes no
 * row fails its transaction with StaleError (SQLite at once; PostgreSQL when the batched writes are
 * sent, where wf_expect raises SQLSTATE 40001), and services answer it as one CONFLICT.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AppError, appErrorOf } from "~/server/errors";
import { migrateTestDb } from "~/server/testing/seed";
import { createSqlDb } from "./create-engine-store";
import { EngineStore } from "./engine-store";
import { StaleError, StoreError, UnknownWorkflowVersion } from "./store-errors";

describe("the store's typed errors", () => {
  beforeAll(async () => {
    await migrateTestDb();
  });

  it("a guarded write that changes no row fails the transaction with StaleError, mapped to CONFLICT", async () => {
    const store = new EngineStore(createSqlDb());
    const failure = await store
      .transaction(async (q) => {
        await q.write('UPDATE "Run" SET "status" = ? WHERE "id" = ?', ["running", "run_missing"], "run:run_missing", { what: "run run_missing" });
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(StaleError);
    expect(failure).toMatchObject({ name: "StoreError", code: "stale", message: expect.stringContaining("stale: run run_missing") });
    const answer = appErrorOf(failure);
    expect(answer).toBeInstanceOf(AppError);
    expect(answer).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("reload and try again") });
  });

  it("a run of a workflow version the database does not hold fails with UnknownWorkflowVersion", async () => {
    const store = new EngineStore(createSqlDb());
    const failure = await store
      .startRun({ runId: "run_orphan", teamId: "team_none", workflowId: "wf_none", workflowVersionId: "wfv_none", version: 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(UnknownWorkflowVersion);
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: "unknown_workflow_version", versionId: "wfv_none" });
    // a fault of the server, not an answer to the caller
    expect(appErrorOf(failure)).toBeUndefined();
  });
});
