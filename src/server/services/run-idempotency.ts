/**
 * Idempotent run starts: `POST /api/v1/runs` with an `Idempotency-Key` header (or `idempotencyKey`
 * in the tRPC input). The first request with a key starts the run and records (team, key) -> run in
 * the run's own start transaction; a retry with the same key, caller and request within 24 h gets
 * that run back instead of a second one. Concurrent retries are decided by the table's primary key
 * (team, key): every start but one finds the key taken inside its transaction and rolls back
 * (INSERT ... ON CONFLICT DO NOTHING waits on PostgreSQL for the holder to commit or roll back;
 * SQLite's write transactions are serial), then answers with the winner's run.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import type { SqlExec } from "~/server/store/sql";

/** How long a key names its run; after that the same key starts a new run. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

export const ZIdempotencyKey = z
  .string()
  .min(1, "Idempotency-Key is empty: send 1-255 printable ASCII characters (e.g. a UUID).")
  .max(255, "Idempotency-Key is longer than 255 characters: send a shorter one (e.g. a UUID).")
  .regex(/^[\x21-\x7e]+$/, "Idempotency-Key must be printable ASCII without spaces (e.g. a UUID).");

/** The header's key and the body's, which must agree when both are sent. */
export function pickIdempotencyKey(header: string | undefined, body: string | undefined): string | undefined {
  if (header === undefined) return body;
  const parsed = ZIdempotencyKey.safeParse(header);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Invalid Idempotency-Key header.");
  if (body !== undefined && body !== header) {
    throw new AppError("BAD_REQUEST", "The Idempotency-Key header and the body's idempotencyKey differ: send one of them.");
  }
  return header;
}

/** What makes two starts "the same request": the workflow, version, inputs and approval mode. */
export function startRequestHash(input: { workflow: string; version?: number; inputs?: Record<string, unknown>; approvalMode: string }): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, canonical(x)]));
    return v;
  };
  const text = JSON.stringify(canonical({ workflow: input.workflow, version: input.version ?? null, inputs: input.inputs ?? {}, approvalMode: input.approvalMode }));
  return createHash("sha256").update(text).digest("hex");
}

/** Thrown inside the start's transaction when the key is taken: the start rolls back. */
export class IdempotencyKeyTaken extends Error {
  override name = "IdempotencyKeyTaken";
}

/**
 * The run an earlier request with this key started, when it is the same caller and request and
 * within the window; null when the key is free (an expired one is freed here). Another caller's or
 * another request's key is a conflict.
 */
export async function priorRun(actor: Actor, key: string, requestHash: string, now = Date.now()): Promise<string | null> {
  const row = await db.runIdempotencyKey.findUnique({ where: { teamId_key: { teamId: actor.teamId, key } } });
  if (!row) return null;
  if (now - Number(row.createdAt) > IDEMPOTENCY_WINDOW_MS) {
    await db.runIdempotencyKey.deleteMany({ where: { teamId: actor.teamId, key, createdAt: row.createdAt } });
    return null;
  }
  if (row.userId !== actor.userId) {
    throw new AppError("CONFLICT", `Idempotency-Key "${key}" was used by another caller of team ${actor.teamName}: use a new key for a new run.`);
  }
  if (row.requestHash !== requestHash) {
    throw new AppError("CONFLICT", `Idempotency-Key "${key}" was used for a different request (workflow, version, inputs or approval mode): resend the same request to get its run ${row.runId}, or use a new key.`);
  }
  return row.runId;
}

/** Records the key for the run inside the run's start transaction; IdempotencyKeyTaken if it is taken. */
export async function claimIdempotencyKey(q: SqlExec, actor: Actor, key: string, requestHash: string, runId: string, now = Date.now()): Promise<void> {
  const n = await q.run(
    'INSERT INTO "RunIdempotencyKey" ("teamId", "key", "userId", "requestHash", "runId", "createdAt") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    [actor.teamId, key, actor.userId, requestHash, runId, now],
  );
  if (n === 0) throw new IdempotencyKeyTaken(key);
}
