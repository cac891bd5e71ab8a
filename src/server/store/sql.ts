/**
 * The smallest SQL interface the engine's store needs, over SQLite (the process's shared libsql
 * connection) and PostgreSQL (a pg pool). Statements use `?` placeholders; the PostgreSQL side
 * numbers them. Values are strings, numbers and null; JSON travels as text.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import type { SqliteConnection } from "~/server/db/sqlite-connection";
import { NeedsTransaction, StaleError } from "./store-errors";

export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export interface SqlExec {
  all<T extends SqlRow = SqlRow>(sql: string, args?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, args?: readonly SqlValue[]): Promise<number>;
  /**
   * A write whose outcome the caller does not read. PostgreSQL sends such writes together, as one
   * statement (data-modifying CTEs: one round trip), before the transaction's next statement or
   * its commit, so every later statement still sees them. `row` names the one row an UPDATE or
   * upsert changes: a second write of a row already waiting sends the waiting ones first (one
   * statement must not change a row twice). SQLite runs it at once. `expect`: the write must change
   * exactly one row, else the transaction fails with a StaleError naming `expect.what`.
   * `replaces`: the write sets, from its own values, every column the other writes of `row` set,
   * so it takes the place of a waiting one that has no expectation (PostgreSQL; a row changed by
   * every result of a transaction, like a join's counter, then costs no round trip per result).
   */
  write(sql: string, args?: readonly SqlValue[], row?: string, expect?: Expectation, replaces?: boolean): Promise<void>;
  /**
   * PostgreSQL's one-statement commits (SqlDb.commitOnce): a read of a run's records taken outside
   * any transaction, which the statement's expectations validate when it commits.
   */
  readonly validatedRead?: <T extends SqlRow = SqlRow>(sql: string, args?: readonly SqlValue[]) => Promise<T[]>;
  /**
   * SQLite: the database's state at this transaction's start, and after its commit, as far as this
   * handle can tell (see FastExec.epoch). Equal epochs: nothing changed in between, so rows read
   * or written before may be reused. PostgreSQL: none (other workers commit at any time).
   */
  readonly epoch?: { now: string; afterCommit: string };
}

/**
 * A write that must change exactly one row. PostgreSQL's batched writes run as one statement,
 * which takes its row locks as it checks its expectations: `lockFirst` ones first (in the order
 * written), then the others, then the unchecked writes. The store puts its run rows first, so a
 * one-statement commit locks in the order of a locking transaction (run, then its records) and the
 * two cannot deadlock.
 */
export interface Expectation {
  what: string;
  lockFirst?: boolean;
}

// (Defined with the store's other errors; exported here too, where the SQL interface names them.)
export { NeedsTransaction, StaleError };

export interface SqlDb {
  readonly kind: "sqlite" | "postgresql";
  /**
   * PostgreSQL: `fn`'s writes sent as one statement, its own transaction (one round trip, prepared
   * once per connection). `fn` reads only through `validatedRead`; `all` and `run` throw
   * NeedsTransaction. A failed expectation throws StaleError and nothing is written.
   */
  commitOnce?<T>(fn: (q: SqlExec) => Promise<T>): Promise<T>;
  /** One transaction; on SQLite it begins IMMEDIATE (holds the write lock from the start). */
  tx<T>(fn: (q: SqlExec) => Promise<T>): Promise<T>;
  /** One read outside a transaction (read models, polling). */
  read<T extends SqlRow = SqlRow>(sql: string, args?: readonly SqlValue[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * `sql`, telling `on` of every transaction (one-statement commits included) and every statement it
 * is given: the bench's per-step profile, and tests that assert what a step reads and writes.
 */
export function observeSql(sql: SqlDb, on: { tx?: () => void; statement: (text: string) => void }): SqlDb {
  const observed = (q: SqlExec): SqlExec => {
    on.tx?.();
    const { validatedRead } = q;
    return {
      all: (text, a) => (on.statement(text), q.all(text, a)),
      run: (text, a) => (on.statement(text), q.run(text, a)),
      write: (text, a, row, expect, replaces) => (on.statement(text), q.write(text, a, row, expect, replaces)),
      epoch: q.epoch,
      validatedRead: validatedRead && (<T extends SqlRow>(text: string, a?: readonly SqlValue[]) => (on.statement(text), validatedRead<T>(text, a))),
    };
  };
  const { commitOnce } = sql;
  return {
    kind: sql.kind,
    read: sql.read.bind(sql),
    close: sql.close.bind(sql),
    tx: (fn) => sql.tx((q) => fn(observed(q))),
    commitOnce: commitOnce && ((fn) => commitOnce((q) => fn(observed(q)))),
  };
}

/** A guarded write that changed no row (wf_expect raises SQLSTATE 40001): the StaleError SQLite throws too. */
function typedPgError(e: unknown): unknown {
  return (e as { code?: string }).code === "40001" ? new StaleError((e as Error).message) : e;
}

export function sqliteDb(conn: SqliteConnection): SqlDb {
  return {
    kind: "sqlite",
    tx: (fn) =>
      conn.fastTransaction((q) =>
        fn({
          all: async <T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) => q.all(sql, args) as T[],
          run: async (sql, args = []) => q.run(sql, args),
          write: async (sql, args = [], _row, expect) => {
            if (q.run(sql, args) !== 1 && expect !== undefined) throw new StaleError(`stale: ${expect.what}`);
          },
          epoch: q.epoch,
        }),
      ),
    read: <T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) => conn.fastRead(sql, args) as Promise<T[]>,
    close: async () => undefined,
  };
}

/** One-statement commits of at most this many writes are prepared statements (see commitOnce). */
const PREPARED_WRITES = 8;
/**
 * Other statements with at most this many values are prepared (parsed and planned once per
 * connection): a fixed shape, like a worker's poll. Longer ones mostly list ids, a shape that
 * seldom comes again.
 */
const PREPARED_VALUES = 8;

const numbered = new Map<string, string>();
/** Prepared statements' names by text (one Parse per statement per connection, then only Bind). */
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size > 2000) names.clear();
    name = `wf_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}
/** `?` -> `$1, $2, …` (cached per statement text). No statement of ours has a literal `?`. */
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    if (numbered.size > 2000) numbered.clear();
    numbered.set(sql, out);
  }
  return out;
}

/** A parameterised statement for pg, prepared when its shape recurs (by default: see PREPARED_VALUES). */
function pgQuery(sql: string, args: readonly SqlValue[], prepared = args.length <= PREPARED_VALUES): pg.QueryConfig {
  const text = toPg(sql);
  return prepared ? { name: statementName(text), text, values: args as SqlValue[] } : { text, values: args as SqlValue[] };
}

/**
 * A statement with its values written in as literals, for the simple query protocol (the only one
 * that takes several statements in one round trip). Strings go through pg's escapeLiteral; numbers
 * must be finite.
 */
function inline(sql: string, args: readonly SqlValue[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => {
    const v = args[i++];
    if (v === null || v === undefined) return "NULL";
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
      return String(v);
    }
    return pg.escapeLiteral(v);
  });
}

/** Buffered writes of one PostgreSQL transaction (SqlExec.write). */
class WriteBatch {
  static readonly MAX = 50;
  /** Values per statement, at most (the protocol counts a statement's parameters in 16 bits). */
  static readonly MAX_VALUES = 30_000;
  private writes: { sql: string; args: readonly SqlValue[]; expect?: Expectation }[] = [];
  private values = 0;
  /** The waiting write of each named row (its index in `writes`). */
  private rows = new Map<string, number>();

  constructor(private readonly send: (sql: string, args: SqlValue[]) => Promise<unknown>) {}

  /** The waiting write of `row` that a write (`replaces`, `expect`: see SqlExec.write) would take the place of. */
  private replaced(row: string | undefined, replaces: boolean, expect: Expectation | undefined): number | undefined {
    if (row === undefined || !replaces || expect !== undefined) return undefined;
    const i = this.rows.get(row);
    return i !== undefined && this.writes[i]?.expect === undefined ? i : undefined;
  }

  /** Whether `add` would send the waiting writes first. */
  full(row?: string, replaces = false, expect?: Expectation, values = 0): boolean {
    if (this.replaced(row, replaces, expect) !== undefined) return false;
    return (row !== undefined && this.rows.has(row)) || this.writes.length >= WriteBatch.MAX || (this.writes.length > 0 && this.values + values > WriteBatch.MAX_VALUES);
  }

  async add(sql: string, args: readonly SqlValue[], row?: string, expect?: Expectation, replaces = false): Promise<void> {
    // (One statement of a few dozen writes: a 10,000-write statement plans slowly.)
    if (this.full(row, replaces, expect, args.length)) await this.flush();
    const write = { sql: expect === undefined ? sql : `${sql} RETURNING 1`, args, expect };
    const replaced = this.replaced(row, replaces, expect);
    if (replaced !== undefined) {
      this.values += args.length - (this.writes[replaced]?.args.length ?? 0);
      this.writes[replaced] = write;
      return;
    }
    if (row !== undefined) this.rows.set(row, this.writes.length);
    this.writes.push(write);
    this.values += args.length;
  }

  /** Sends what waits; `take` instead hands it over as one statement (or undefined when none). */
  async flush(): Promise<void> {
    const waiting = this.take();
    if (waiting) await this.send(waiting.sql, waiting.args);
  }

  take(): { sql: string; args: SqlValue[]; writes: number } | undefined {
    const { writes } = this;
    if (!writes.length) return undefined;
    this.writes = [];
    this.values = 0;
    this.rows.clear();
    const args = writes.flatMap((w) => w.args);
    const only = writes[0];
    if (writes.length === 1 && only && !only.expect) return { sql: only.sql, args, writes: 1 };
    // (wf_expect, migration 0008: raises SQLSTATE 40001 when a guarded write changed no row.)
    // (What failed travels as a value: the statement's text stays the same from step to step.)
    // Each checked write runs when the check first reads it, left to right (see Expectation).
    const expects = writes.flatMap((w, i) => (w.expect ? [{ i, expect: w.expect }] : []));
    const checked = [...expects.filter((e) => e.expect.lockFirst), ...expects.filter((e) => !e.expect.lockFirst)];
    const check = checked.length ? `SELECT wf_expect(${checked.map((e) => `(SELECT count(*) FROM w${e.i}) = 1`).join(" AND ")}, ?::text)` : "SELECT 1";
    if (checked.length) args.push(checked.map((e) => e.expect.what).join("; "));
    return { sql: `WITH ${writes.map((w, i) => `w${i} AS (${w.sql})`).join(", ")} ${check}`, args, writes: writes.length };
  }
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
    /**
     * Round trips are the cost here, so BEGIN travels with the transaction's first statement and
     * COMMIT with its last buffered writes (simple protocol, values as literals); the statements
     * between use parameters.
     */
    async tx(fn) {
      const client = await pool.connect();
      let begun = false;
      const query = async (sql: string, args: readonly SqlValue[]): Promise<pg.QueryResult> => {
        if (begun) return client.query(pgQuery(sql, args));
        begun = true;
        const results = (await client.query(`BEGIN; ${inline(sql, args)}`)) as unknown as pg.QueryResult[];
        return results[results.length - 1] as pg.QueryResult;
      };
      try {
        const batch = new WriteBatch((sql, args) => query(sql, args));
        const out = await fn({
          async all<T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) {
            await batch.flush();
            return (await query(sql, args)).rows as T[];
          },
          async run(sql, args = []) {
            await batch.flush();
            return (await query(sql, args)).rowCount ?? 0;
          },
          write: (sql, args = [], row, expect, replaces) => batch.add(sql, args, row, expect, replaces),
        });
        const last = batch.take();
        if (last) await client.query(`${begun ? "" : "BEGIN; "}${inline(last.sql, last.args)}; COMMIT`);
        else if (begun) await client.query("COMMIT");
        client.release();
        return out;
      } catch (e) {
        // (ROLLBACK outside a transaction only warns; a connection that cannot roll back is dropped.)
        const broken = await client.query("ROLLBACK").then(
          () => undefined,
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        );
        client.release(broken);
        throw typedPgError(e);
      }
    },
    async read<T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) {
      return (await pool.query(pgQuery(sql, args))).rows as T[];
    },
    async commitOnce(fn) {
      const batch = new WriteBatch(async () => {
        throw new NeedsTransaction();
      });
      const needsTx = async (): Promise<never> => {
        throw new NeedsTransaction();
      };
      const out = await fn({
        all: needsTx,
        run: needsTx,
        // One statement changes a row once, and stays a few dozen writes long.
        write: (sql, args = [], row, expect, replaces) => (batch.full(row, replaces, expect, args.length) ? needsTx() : batch.add(sql, args, row, expect, replaces)),
        validatedRead: async <T extends SqlRow>(sql: string, args: readonly SqlValue[] = []) => (await pool.query(pgQuery(sql, args))).rows as T[],
      });
      const statement = batch.take();
      if (!statement) return out;
      try {
        // Prepared (once per connection, kept as long as it lives) only in the few shapes a step
        // of a chain or a small group takes; a large group's shape seldom comes again.
        await pool.query(pgQuery(statement.sql, statement.args, statement.writes <= PREPARED_WRITES));
      } catch (e) {
        throw typedPgError(e);
      }
      return out;
    },
    close: () => pool.end(),
  };
}
