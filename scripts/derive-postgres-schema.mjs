// The PostgreSQL schema is prisma/schema.prisma with its provider and client output swapped.
export function derivePostgresSchema(text) {
  const out = text
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace('output     = "../src/generated/sqlite"', 'output     = "../../src/generated/postgres"');
  if (out === text || !out.includes('"postgresql"') || !out.includes("generated/postgres")) {
    throw new Error("prisma/schema.prisma: could not derive the PostgreSQL schema (provider or output line changed)");
  }
  return "// GENERATED from prisma/schema.prisma by scripts/prisma-generate.mjs — do not edit.\n" + out;
}
