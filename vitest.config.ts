import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const alias = { "~": fileURLToPath(new URL("./src", import.meta.url)) };
const common = {
  environment: "node",
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // Database suites each get their own database; keep files isolated in their own process.
  pool: "forks",
} as const;

/**
 * Every suite runs on SQLite (a fresh file per test file). The database suites (`*.db.test.ts`)
 * run again on PostgreSQL, a fresh database per test file, when TEST_DATABASE_URL names a server
 * (`.ci/run` starts one: scripts/ci-postgres.sh).
 */
const postgres = process.env.TEST_DATABASE_URL;

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          ...common,
          name: "sqlite",
          include: ["src/**/*.test.ts", "bench/**/*.test.ts", "scripts/**/*.test.ts", "workflows/**/*.test.ts"],
          // PostgreSQL-only suites (scale-out across processes)
          exclude: ["**/*.pg.db.test.ts", "node_modules/**"],
          setupFiles: ["./vitest.setup.ts"],
        },
      },
      ...(postgres
        ? [
            {
              resolve: { alias },
              test: {
                ...common,
                name: "postgresql",
                include: ["src/server/**/*.db.test.ts"],
                // the SQLite migrator's own suite; the PostgreSQL migrator runs in every suite's setup
                exclude: ["src/server/db/migrate.db.test.ts"],
                setupFiles: ["./vitest.setup.pg.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
