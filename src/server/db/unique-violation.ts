/**
 * Whether a Prisma error is a unique-constraint violation (P2002: SQLite "UNIQUE constraint failed",
 * PostgreSQL 23505, both mapped by the driver adapters). Duck-typed: the two generated clients
 * (SQLite and PostgreSQL) each have their own error classes.
 */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}
