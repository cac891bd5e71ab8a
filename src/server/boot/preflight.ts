/**
 * Runs before the web server (scripts/start.mjs) and the standalone worker: validates the
 * environment, creates data/, applies migrations, bootstraps. Exits non-zero with a clear message.
 */
async function main() {
  let envModule: typeof import("~/env");
  try {
    envModule = await import("~/env");
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  const { env, authSecret } = envModule;
  // DATA_DIR holds the database, the session secret and every run's workspace: the server's alone.
  const { ensurePrivateDir } = await import("~/server/private-files");
  ensurePrivateDir(env.dataDir);
  authSecret(env); // generate and keep it under data/ before the server starts
  const { migrate } = await import("~/server/db/migrate");
  const { logger } = await import("~/server/logger");
  const result = await migrate({ databaseUrl: env.DATABASE_URL, synchronous: env.SQLITE_SYNCHRONOUS });
  logger.info({ applied: result.applied, total: result.total, database: env.databaseKind }, "migrations");
  const { bootstrap } = await import("~/server/services/bootstrap");
  const { setupPending } = await bootstrap(env);
  const { db } = await import("~/server/db");
  await db.$disconnect();
  if (setupPending) process.stdout.write(`\n  First start: open ${env.nextAuthUrl}/setup to create the admin account.\n\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`Start-up failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
