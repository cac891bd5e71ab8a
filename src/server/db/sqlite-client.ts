import { createClient, type Client, type Config, type InStatement, type TransactionMode } from "@libsql/client";
import { ensurePrivateSqliteFile } from "~/server/private-files";

/**
 * @libsql/client hands its connection to every transaction and opens a fresh one for what comes
 * next, so per-connection pragmas (synchronous, busy_timeout, foreign_keys) would silently fall back
 * to SQLite's defaults. This wrapper re-applies them to each new connection before its first use.
 */
export function createSqliteClient(config: Config, pragmas: string[]): Client {
  // The database holds password hashes and sessions: 0600 from its first byte (see private-files).
  ensurePrivateSqliteFile(config.url);
  const inner = createClient(config);
  let fresh = true;
  const prepare = async () => {
    if (!fresh) return;
    fresh = false;
    for (const p of pragmas) await inner.execute(p);
  };
  const client: Client = {
    get closed() {
      return inner.closed;
    },
    get protocol() {
      return inner.protocol;
    },
    async execute(stmt: InStatement) {
      await prepare();
      return inner.execute(stmt);
    },
    async batch(stmts, mode) {
      await prepare();
      return inner.batch(stmts, mode);
    },
    async transaction(mode?: TransactionMode) {
      await prepare();
      const tx = await inner.transaction(mode);
      fresh = true;
      return tx;
    },
    async executeMultiple(sql) {
      await prepare();
      return inner.executeMultiple(sql);
    },
    sync: () => inner.sync(),
    close: () => inner.close(),
  } as Client;
  return client;
}

export function sqlitePragmas(synchronous: "FULL" | "NORMAL"): string[] {
  return [
    "PRAGMA journal_mode = WAL",
    `PRAGMA synchronous = ${synchronous}`,
    "PRAGMA busy_timeout = 10000",
    "PRAGMA foreign_keys = ON",
  ];
}
