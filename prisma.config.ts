// Prisma CLI configuration. `engine: "js"` with a driver adapter means the CLI never downloads a
// schema or query engine (there is no internet on build machines; see ../shared/STACK.md).
// The schema and adapter follow DATABASE_URL's scheme: SQLite (default) or PostgreSQL.
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

// The CLI process is not the app: src/env.ts is not loaded here, so this file reads its one variable.
const url = process.env.DATABASE_URL ?? "file:./data/app.db";
process.env.DATABASE_URL = url;
const postgres = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  engine: "js",
  experimental: { adapter: true },
  schema: postgres ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  adapter: async () => (postgres ? new PrismaPg({ connectionString: url }) : new PrismaLibSQL({ url })),
});
