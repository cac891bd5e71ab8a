/**
 * One SQLite connection per process, shared by Prisma and the engine's store, behind one mutex.
 *
 * Why: @libsql/client opens a new connection for every transaction (losing per-connection pragmas
 * and costing ~200 µs), and two connections of one process that both write would block the event
 * loop on SQLite's busy handler while the other waits for its turn. One connection with an async
 * mutex serialises writers of this process in JS instead; other processes (a standalone worker)
 * wait on busy_timeout as usual. Transactions begin IMMEDIATE, so a writer takes the write lock
 * before it reads and never fails to upgrade a stale snapshot.
 */
import { createClient, type Client, type InStatement, type ResultSet, type Transaction, type TransactionMode } from "@libsql/client";
import Database from "libsql";
import { ensurePrivateSqliteFile } from "~/server/private-files";

export type SqlArg = string | number | bigint | boolean | null | Uint8Array;

/** Synchronous statements on the engine's own connection, prepared once and cached. */
export interface FastExec {
  all(sql: string, args: readonly SqlArg[]): Record<string, unknown>[];
  run(sql: string, args: readonly SqlArg[]): number;
  /**
   * The database's state as this connection knows it: `now` at this transaction's start, and
   * `afterCommit`, what the next transaction will see at its start if nothing else commits in
   * between (no other connection, and no other transaction on this one). Equal epochs mean equal
   * contents, so what was read or written in a transaction ending at epoch E still holds when the
   * next begins at E (SQLite's data_version changes with every commit of another connection).
   */
  epoch: { now: string; afterCommit: string };
}

/**
 * A FIFO lock for one process's turns on the connection. Taking a free lock costs no extra
 * microtask (the engine's hot path takes it once per step); a release hands it to the next waiter.
 */
class Lock {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  async acquire(): Promise<() => void> {
    // (A release hands the lock over still held.)
    if (this.held) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.held = true;
    return this.releaser();
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    let release: () => void;
    if (this.held) release = await this.acquire();
    else {
      this.held = true;
      release = this.releaser();
    }
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.held = false;
    };
  }
}

export class SqliteConnection {
  private readonly client: Client;
  private fast: { db: Database.Database; statements: Map<string, Database.Statement> } | undefined;
  private readonly lock = new Lock();
  private readonly ready: Promise<void>;
  private isReady = false;
  /** Transactions begun on the fast connection (part of its epoch). */
  private fastTransactions = 0;

  constructor(
    private readonly url: string,
    private readonly pragmas: string[],
  ) {
    // The database holds password hashes and sessions: 0600 from its first byte (see private-files).
    ensurePrivateSqliteFile(url);
    const client = createClient({ url });
    this.client = client;
    this.ready = (async () => {
      for (const p of pragmas) await client.execute(p);
      this.isReady = true;
    })();
  }

  /** Runs `fn` with the connection to itself (no other statement of this process interleaves). */
  async exclusive<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    if (!this.isReady) await this.ready;
    return this.lock.run(() => fn(this.client));
  }

  /** BEGIN IMMEDIATE … COMMIT around `fn`, rolled back when it throws. */
  transaction<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    return this.exclusive(async (c) => {
      await c.execute("BEGIN IMMEDIATE");
      try {
        const out = await fn(c);
        await c.execute("COMMIT");
        return out;
      } catch (e) {
        await c.execute("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * A transaction on the engine's second connection, through the `libsql` driver's synchronous API
   * with cached prepared statements (the hot path: a few µs per statement instead of a prepare
   * per call). The same mutex keeps it from interleaving with Prisma's connection in this process.
   */
  fastTransaction<T>(fn: (q: FastExec) => Promise<T> | T): Promise<T> {
    return this.exclusive(async () => {
      const f = this.openFast();
      f.db.exec("BEGIN IMMEDIATE");
      try {
        // (Read under the write lock: no other connection can commit until this one ends.)
        const version = String((this.statement(f, "PRAGMA data_version").raw().get() as unknown[])[0]);
        const n = this.fastTransactions++;
        const exec: FastExec = {
          all: (sql, args) => this.statement(f, sql).all(...args) as Record<string, unknown>[],
          run: (sql, args) => this.statement(f, sql).run(...args).changes,
          epoch: { now: `${version}:${n}`, afterCommit: `${version}:${n + 1}` },
        };
        const out = await fn(exec);
        f.db.exec("COMMIT");
        return out;
      } catch (e) {
        // Rolled back: the next transaction must not see the epoch this one promised.
        this.fastTransactions++;
        try {
          f.db.exec("ROLLBACK");
        } catch {
          // no transaction left to roll back
        }
        throw e;
      }
    });
  }

  /** One statement on the engine's connection, outside a transaction. */
  fastRead(sql: string, args: readonly SqlArg[]): Promise<Record<string, unknown>[]> {
    return this.exclusive(async () => this.statement(this.openFast(), sql).all(...args) as Record<string, unknown>[]);
  }

  private openFast() {
    if (!this.fast) {
      const db = new Database(this.url.replace(/^file:/, ""));
      for (const p of this.pragmas) {
        const st = db.prepare(p);
        if (st.reader) st.all();
        else st.run();
      }
      this.fast = { db, statements: new Map() };
    }
    return this.fast;
  }

  private statement(f: { db: Database.Database; statements: Map<string, Database.Statement> }, sql: string): Database.Statement {
    let st = f.statements.get(sql);
    if (!st) {
      st = f.db.prepare(sql);
      // Bounded: statements with IN (…) lists vary in length.
      if (f.statements.size > 500) f.statements.clear();
      f.statements.set(sql, st);
    }
    return st;
  }

  close(): void {
    this.client.close();
    this.fast?.db.close();
  }

  /** A libsql Client facade for Prisma's adapter that goes through this connection and mutex. */
  asClient(): Client {
    const raw = this.client;
    const exclusive = <T>(fn: (c: Client) => Promise<T>) => this.exclusive(fn);
    const ready = this.ready;
    const lock = this.lock;
    return {
      get closed() {
        return raw.closed;
      },
      get protocol() {
        return raw.protocol;
      },
      execute(stmt: InStatement): Promise<ResultSet> {
        return exclusive((c) => c.execute(stmt));
      },
      batch(stmts: InStatement[], mode?: TransactionMode): Promise<ResultSet[]> {
        return exclusive((c) => c.batch(stmts, mode === "read" ? "deferred" : mode));
      },
      executeMultiple(sql: string): Promise<void> {
        return exclusive((c) => c.executeMultiple(sql));
      },
      async transaction(): Promise<Transaction> {
        await ready;
        const release = await lock.acquire();
        try {
          await raw.execute("BEGIN IMMEDIATE");
        } catch (e) {
          release();
          throw e;
        }
        let closed = false;
        const end = async (sql: "COMMIT" | "ROLLBACK") => {
          if (closed) return;
          closed = true;
          try {
            await raw.execute(sql);
          } finally {
            release();
          }
        };
        return {
          get closed() {
            return closed;
          },
          execute: (stmt: InStatement) => raw.execute(stmt),
          batch: async (stmts: InStatement[]) => {
            const out: ResultSet[] = [];
            for (const s of stmts) out.push(await raw.execute(s));
            return out;
          },
          executeMultiple: (sql: string) => raw.executeMultiple(sql),
          commit: () => end("COMMIT"),
          rollback: () => end("ROLLBACK"),
          close: () => {
            void end("ROLLBACK").catch(() => undefined);
          },
        };
      },
      sync: () => raw.sync(),
      close: () => undefined, // the shared connection outlives any one Prisma client
    } as Client;
  }
}
