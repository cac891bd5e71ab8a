/**
 * The smallest SQL interface the engine's store needs, over SQLite (the process's shared libsql
 * connection) and PostgreSQL (a pg pool). Statements use `?` placeholders; the PostgreSQL side
 * numbers them. Values are strings, numbers and null; JSON travels as text.
 */
import pg from "pg";
import type { SqliteConnection } from "~/server/db/sqlite-connection";

export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export interface SqlExec {
  all<T extends SqlRow = SqlRow>(sql: string, args?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, args?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDb {
  readonly kind: "sqlite" | "postgresql";
  /** One transaction; on SQLite it begins IMMEDIATE (holds the write lock from the start). */
  tx<T>(fn: (q: SqlExec) => Promise<T>): Promise<T>;
  /** One read outside a transaction (read models, polling). */
  read<T extends SqlRow = SqlRow>(sql: string, args?: readonly SqlValue[]): Promise<T[]>;
  close(): Promise<void>;
}

export function sqliteDb(conn: SqliteConnection): SqlDb {
  return {
    kind: "sqlite",
    tx: (fn) =>
      conn.fastTransaction((q) =>
        fn({
          all: async <T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) => q.all(sql, args) as T[],
          run: async (sql, args = []) => q.run(sql, args),
        }),
      ),
    read: <T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) => conn.fastRead(sql, args) as Promise<T[]>,
    close: async () => undefined,
  };
}

const numbered = new Map<string, string>();
/** `?` -> `$1, $2, …` (cached per statement text). No statement of ours has a literal `?`. */
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    numbered.set(sql, out);
  }
  return out;
}

// BIGINT columns come back as strings by default; ours hold epoch milliseconds, safe as numbers.
// Set on this pool only: Prisma's pg adapter keeps its own parsing.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function postgresDb(connectionString: string, options: { max?: number; onError?: (e: Error) => void } = {}): SqlDb & { pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, types });
  pool.on("error", (e) => options.onError?.(e));
  return {
    kind: "postgresql",
    pool,
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const out = await fn({
          async all<T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) {
            const r = await client.query({ text: toPg(sql), values: args as SqlValue[] });
            return r.rows as T[];
          },
          async run(sql, args = []) {
            const r = await client.query({ text: toPg(sql), values: args as SqlValue[] });
            return r.rowCount ?? 0;
          },
        });
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    async read<T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) {
      return (await pool.query({ text: toPg(sql), values: args as SqlValue[] })).rows as T[];
    },
    close: () => pool.end(),
  };
}
