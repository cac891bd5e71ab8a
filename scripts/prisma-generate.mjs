// Runs at `npm install` (postinstall) and before `npm start`: derives the PostgreSQL schema from the
// SQLite one and generates both Prisma clients. Prisma 6.19 with engineType "client" downloads nothing.
//
// Generation rewrites every file of src/generated, and Next.js then rebuilds the app (about a
// minute), so it runs only when its inputs changed: the schema, the Prisma version and this script,
// hashed into src/generated/.inputs-sha256. `--force` regenerates anyway.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { derivePostgresSchema } from "./derive-postgres-schema.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = readFileSync(join(root, "prisma/schema.prisma"), "utf8");
const postgresSchema = derivePostgresSchema(source);
const outputs = ["src/generated/sqlite", "src/generated/postgres"];
const stampFile = join(root, "src/generated/.inputs-sha256");

const stamp = createHash("sha256")
  .update(source)
  .update(postgresSchema)
  .update(readFileSync(join(root, "node_modules/prisma/package.json"), "utf8"))
  .update(readFileSync(fileURLToPath(import.meta.url), "utf8"))
  .digest("hex");

const upToDate =
  !process.argv.includes("--force") &&
  existsSync(stampFile) &&
  readFileSync(stampFile, "utf8").trim() === stamp &&
  outputs.every((dir) => existsSync(join(root, dir)));

if (upToDate) {
  process.exit(0);
}

writeIfChanged(join(root, "prisma/postgres/schema.prisma"), postgresSchema);

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
writeFileSync(stampFile, `${stamp}\n`);

function writeIfChanged(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  writeFileSync(file, text);
}
