import { env, type Env } from "~/env";
import { sqliteConnection } from "~/server/db";
import { EngineStore, type StoreOptions } from "./engine-store";
import { postgresDb, sqliteDb, type SqlDb } from "./sql";

/** The SQL handle of the configured database (SQLite shares the process's one connection). */
export function createSqlDb(e: Env = env): SqlDb {
  return e.databaseKind === "postgresql" ? postgresDb(e.DATABASE_URL, { max: Math.max(4, e.WORKER_CONCURRENCY + 2) }) : sqliteDb(sqliteConnection(e));
}

/** The store with the configured limits (expression budget on a monotonic clock, input sizes); `options` override them. */
export function createEngineStore(options: StoreOptions = {}, e: Env = env): EngineStore {
  return new EngineStore(createSqlDb(e), {
    expressions: { budgetMs: e.EXPRESSION_BUDGET_MS, now: () => performance.now() },
    inputs: { totalBytes: e.RUN_INPUTS_MAX_BYTES, valueBytes: e.RUN_INPUT_MAX_BYTES },
    outputMaxBytes: e.STEP_OUTPUT_MAX_BYTES,
    ...options,
  });
}
