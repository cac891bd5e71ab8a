// `npm run db:migration -- <name>`: writes the SQL migration for both databases from the change of
// prisma/schema.prisma since the last migration (kept as prisma/migrations/schema.snapshot.prisma).
// `prisma migrate dev` cannot run here (STACK.md), `migrate diff` can, without any database.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { derivePostgresSchema } from "./derive-postgres-schema.mjs";
import { readFileSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const name = (process.argv[2] ?? "").replace(/[^a-z0-9_]/gi, "_");
if (!name) {
  console.error("usage: npm run db:migration -- <name>   (e.g. add_runs)");
  process.exit(2);
}
const prisma = join(root, "node_modules/prisma/build/index.js");
const snapshot = join(root, "prisma/migrations/schema.snapshot.prisma");
const tmp = join(root, "data/.migration-tmp");
mkdirSync(tmp, { recursive: true });

function diff(provider, fromFile, toFile) {
  const url = provider === "sqlite" ? "file:./data/.migration-tmp/diff.db" : (process.env.TEST_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wf_test") /* migrate diff needs a reachable server (scripts/ci-postgres.sh), it changes nothing there */;
  const from = fromFile ? ["--from-schema-datamodel", fromFile] : ["--from-empty"];
  return execFileSync(process.execPath, [prisma, "migrate", "diff", ...from, "--to-schema-datamodel", toFile, "--script"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
}

const current = readFileSync(join(root, "prisma/schema.prisma"), "utf8");
const versions = readdirSync(join(root, "prisma/migrations/sqlite")).filter((f) => f.endsWith(".sql")).length;
const file = `${String(versions + 1).padStart(4, "0")}_${name}.sql`;
for (const provider of ["sqlite", "postgresql"]) {
  const toFile = join(tmp, `to-${provider}.prisma`);
  writeFileSync(toFile, provider === "sqlite" ? current : derivePostgresSchema(current));
  let fromFile;
  if (existsSync(snapshot)) {
    fromFile = join(tmp, `from-${provider}.prisma`);
    const old = readFileSync(snapshot, "utf8");
    writeFileSync(fromFile, provider === "sqlite" ? old : derivePostgresSchema(old));
  }
  const sql = diff(provider, fromFile, toFile);
  if (!/\S/.test(sql.replace(/--.*$/gm, ""))) {
    console.error("prisma/schema.prisma has not changed since the last migration: nothing to write.");
    process.exit(1);
  }
  mkdirSync(join(root, "prisma/migrations", provider), { recursive: true });
  writeFileSync(join(root, "prisma/migrations", provider, file), sql);
  console.log(`wrote prisma/migrations/${provider}/${file}`);
}
copyFileSync(join(root, "prisma/schema.prisma"), snapshot);
