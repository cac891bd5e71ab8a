// Runs at `npm install` (postinstall): derives the PostgreSQL schema from the SQLite one and
// generates both Prisma clients. Prisma 6.19 with engineType "client" downloads nothing.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { derivePostgresSchema } from "./derive-postgres-schema.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = readFileSync(join(root, "prisma/schema.prisma"), "utf8");

mkdirSync(join(root, "prisma/postgres"), { recursive: true });
writeFileSync(join(root, "prisma/postgres/schema.prisma"), derivePostgresSchema(source));

const prisma = join(root, "node_modules/prisma/build/index.js");
for (const [schema, url] of [
  ["prisma/schema.prisma", "file:./data/app.db"],
  ["prisma/postgres/schema.prisma", "postgresql://localhost/unused"],
]) {
  execFileSync(process.execPath, [prisma, "generate", "--schema", schema], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    // DATABASE_URL must be set, else the CLI tries to fetch an engine; generation never connects.
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
  });
}
