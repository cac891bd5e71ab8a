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
import { createSqliteClient, sqlitePragmas } from "./db/sqlite-client";

export type Db = PrismaClient;
export type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

class PragmaLibSQL extends PrismaLibSQL {
  constructor(
    config: Config,
    private readonly pragmas: string[],
  ) {
    super(config);
  }
  override createClient(config: Config) {
    return createSqliteClient(config, this.pragmas);
  }
}

export function createDb(e: Pick<Env, "DATABASE_URL" | "SQLITE_SYNCHRONOUS" | "databaseKind"> = env): Db {
  if (e.databaseKind === "postgresql") {
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: e.DATABASE_URL }) });
    // Same schema, same generated API: the PostgreSQL client is used through the SQLite client's type.
    return client as unknown as Db;
  }
  return new PrismaClient({
    adapter: new PragmaLibSQL({ url: e.DATABASE_URL }, sqlitePragmas(e.SQLITE_SYNCHRONOUS)),
  });
}

const globalForDb = globalThis as unknown as { __wfDb?: Db };

/** The process-wide client (one per process; survives Next.js dev reloads). */
export const db: Db = (globalForDb.__wfDb ??= createDb());
