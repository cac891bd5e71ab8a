/**
 * The project's own migrator (Prisma's `migrate deploy` cannot run on PostgreSQL here, see
 * ../shared/STACK.md). Applies prisma/migrations/<sqlite|postgresql>/*.sql in name order, one
 * transaction per file on PostgreSQL (one for the whole run on SQLite), recording each in
 * `_migrations` with its checksum. Safe to run from several
 * processes at once: SQLite serialises on BEGIN IMMEDIATE, PostgreSQL on an advisory lock.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pg from "pg";
import { createSqliteClient, sqlitePragmas } from "./sqlite-client";

export type MigrationResult = { applied: string[]; total: number };

export type MigrateOptions = {
  databaseUrl: string;
  synchronous?: "FULL" | "NORMAL";
  /** @default <cwd>/prisma/migrations */
  dir?: string;
};

type Migration = { name: string; sql: string; checksum: string };

function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

function checkChecksums(known: Map<string, string>, migrations: Migration[]) {
  for (const m of migrations) {
    const seen = known.get(m.name);
    if (seen && seen !== m.checksum) {
      throw new Error(
        `Migration ${m.name} was changed after it was applied. Migrations are immutable: restore the file and add a new migration (npm run db:migration -- <name>).`,
      );
    }
  }
}

export async function migrate(opts: MigrateOptions): Promise<MigrationResult> {
  const root = opts.dir ?? resolve(/*turbopackIgnore: true*/ process.cwd(), "prisma/migrations");
  return /^postgres(ql)?:\/\//.test(opts.databaseUrl)
    ? migratePostgres(opts.databaseUrl, readMigrations(join(root, "postgresql")))
    : migrateSqlite(opts.databaseUrl, opts.synchronous ?? "FULL", readMigrations(join(root, "sqlite")));
}

async function migrateSqlite(url: string, synchronous: "FULL" | "NORMAL", migrations: Migration[]): Promise<MigrationResult> {
  const path = url.replace(/^file:/, "");
  if (path && path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const client = createSqliteClient({ url }, sqlitePragmas(synchronous));
  const applied: string[] = [];
  try {
    await client.execute(
      'CREATE TABLE IF NOT EXISTS "_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TEXT NOT NULL)',
    );
    const tx = await client.transaction("write"); // BEGIN IMMEDIATE: one migrator at a time
    try {
      const rows = await tx.execute('SELECT "name", "checksum" FROM "_migrations"');
      const known = new Map(rows.rows.map((r) => [String(r.name), String(r.checksum)]));
      checkChecksums(known, migrations);
      for (const m of migrations) {
        if (known.has(m.name)) continue;
        await tx.executeMultiple(m.sql);
        await tx.execute({
          sql: 'INSERT INTO "_migrations" ("name", "checksum", "appliedAt") VALUES (?, ?, ?)',
          args: [m.name, m.checksum, new Date().toISOString()],
        });
        applied.push(m.name);
      }
      await tx.commit();
    } catch (e) {
      await tx.rollback();
      throw e;
    }
  } finally {
    client.close();
  }
  return { applied, total: migrations.length };
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock(727274)");
    await client.query(
      'CREATE TABLE IF NOT EXISTS "_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TIMESTAMPTZ NOT NULL)',
    );
    const rows = await client.query<{ name: string; checksum: string }>('SELECT "name", "checksum" FROM "_migrations"');
    const known = new Map(rows.rows.map((r) => [r.name, r.checksum]));
    checkChecksums(known, migrations);
    for (const m of migrations) {
      if (known.has(m.name)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO "_migrations" ("name", "checksum", "appliedAt") VALUES ($1, $2, now())', [m.name, m.checksum]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${m.name} failed: ${(e as Error).message}`);
      }
      applied.push(m.name);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(727274)").catch(() => undefined);
    await client.end();
  }
  return { applied, total: migrations.length };
}

/** Names of the migrations recorded in the database (for /api/ready). */
export async function pendingMigrations(db: { $queryRawUnsafe: <T>(q: string) => Promise<T> }, databaseUrl: string, dir?: string) {
  const root = dir ?? resolve(/*turbopackIgnore: true*/ process.cwd(), "prisma/migrations");
  const kind = /^postgres(ql)?:\/\//.test(databaseUrl) ? "postgresql" : "sqlite";
  const files = readdirSync(join(root, kind)).filter((f) => f.endsWith(".sql"));
  const rows = await db.$queryRawUnsafe<{ name: string }[]>('SELECT "name" FROM "_migrations"');
  const done = new Set(rows.map((r) => r.name));
  return files.filter((f) => !done.has(f));
}
