import { env } from "~/env";
import { db } from "~/server/db";
import { pendingMigrations } from "~/server/db/migrate";

export type Readiness = {
  status: "ok" | "unavailable";
  database: "sqlite" | "postgresql";
  migrations: "applied" | "pending" | "unknown";
  synchronous?: string;
  error?: string;
};

const SYNC_NAMES: Record<string, string> = { "0": "OFF", "1": "NORMAL", "2": "FULL", "3": "EXTRA" };

export async function readiness(): Promise<Readiness> {
  const base = { database: env.databaseKind } as const;
  try {
    const pending = await pendingMigrations(db, env.DATABASE_URL);
    const out: Readiness = { status: pending.length ? "unavailable" : "ok", ...base, migrations: pending.length ? "pending" : "applied" };
    if (env.databaseKind === "sqlite") {
      // Read back from the connection, so the figure is what SQLite really does.
      const rows = await db.$queryRawUnsafe<{ synchronous: number | bigint }[]>("PRAGMA synchronous");
      const v = String(rows[0]?.synchronous ?? "");
      out.synchronous = SYNC_NAMES[v] ?? v;
    }
    return out;
  } catch (e) {
    return { status: "unavailable", ...base, migrations: "unknown", error: e instanceof Error ? e.message : String(e) };
  }
}
