/**
 * The Prisma client, picked from DATABASE_URL: SQLite through libsql (default, WAL, `synchronous`
 * from SQLITE_SYNCHRONOUS) or PostgreSQL through pg. Both clients are generated from the same
 * schema (prisma/schema.prisma and its derived PostgreSQL copy), so they share one API.
 */
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import type { Config } from "@libsql/client";
import { env, type Env } from "~/env";
import { PrismaClient as PostgresClient } from "~/generated/postgres/client";
import { PrismaClient } from "~/generated/sqlite/client";
import { sqlitePragmas } from "./db/sqlite-client";
import { SqliteConnection } from "./db/sqlite-connection";

export type Db = PrismaClient;
export type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/** Prisma's libsql adapter, on the process's shared SQLite connection. */
class SharedLibSQL extends PrismaLibSQL {
  constructor(private readonly connection: SqliteConnection) {
    super({ url: "file:shared" });
  }
  override createClient(_config: Config) {
    return this.connection.asClient();
  }
}

type DbEnv = Pick<Env, "DATABASE_URL" | "SQLITE_SYNCHRONOUS" | "databaseKind">;

const globalForDb = globalThis as unknown as { __wfDb?: Db; __wfSqlite?: SqliteConnection };

/** The process's one SQLite connection (see sqlite-connection.ts), created on first use. */
export function sqliteConnection(e: DbEnv = env): SqliteConnection {
  if (e.databaseKind !== "sqlite") throw new Error("sqliteConnection() on a PostgreSQL database");
  return (globalForDb.__wfSqlite ??= new SqliteConnection(e.DATABASE_URL, sqlitePragmas(e.SQLITE_SYNCHRONOUS)));
}

export function createDb(e: DbEnv = env): Db {
  if (e.databaseKind === "postgresql") {
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: e.DATABASE_URL }) });
    // Same schema, same generated API: the PostgreSQL client is used through the SQLite client's type.
    return client as unknown as Db;
  }
  return new PrismaClient({ adapter: new SharedLibSQL(sqliteConnection(e)) });
}

function processDb(): Db {
  return (globalForDb.__wfDb ??= createDb());
}

/**
 * The process-wide client (one per process; survives Next.js dev reloads), opened on first use:
 * importing this module connects to nothing, so `next build` can collect its pages on a machine
 * that has no database yet.
 */
export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    const real = processDb();
    const value: unknown = Reflect.get(real, prop, real);
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
});
