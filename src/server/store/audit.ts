/**
 * Append-only audit log with a hash chain per team: each row stores the hash of the previous row
 * and its own hash over (previous hash, its fields). Editing or deleting a row breaks the chain at
 * that row; `verifyAuditChain` names the first bad one.
 *
 * Every row is written by `appendAudit`, inside the transaction of the change it records (the
 * engine store's for runs and gates, Prisma's for users, tokens, teams, webhooks and workflows), so
 * a change and its row commit or roll back together. Services call it through `recordAudit`
 * (src/server/services/audit/record-audit.ts); the engine store itself calls it only for what the
 * engine does on its own (gates opened, expired, escalated, decided by auto mode). The chain head is read and extended under a lock: SQLite transactions begin
 * IMMEDIATE (one writer at a time, across processes), PostgreSQL takes a per-team advisory
 * transaction lock first, so two concurrent changes never link to the same previous row.
 */
import { createHash } from "node:crypto";
import { formatTarget, type AuditAction, type AuditTarget } from "./audit-actions";
import type { SqlDb, SqlExec } from "./sql";

export interface AuditEntry {
  teamId: string;
  at: number;
  /** who: a user's e-mail, or `engine` / `system` for what no person did */
  actor: string;
  action: AuditAction;
  target: AuditTarget;
  /** the target's state before the change and after it (JSON; never a secret, see `auditJson`) */
  before?: unknown;
  after?: unknown;
}

/** What appendAudit needs of a transaction: the engine store's SqlExec, or Prisma's (record-audit.ts). */
export type AuditExec = Pick<SqlExec, "all" | "run">;

export const GENESIS = "0".repeat(64);

/** Keys whose values never enter the log, at any depth (belt and braces: callers pass snapshots without them). */
const SECRET_KEYS = new Set(["password", "passwordhash", "secret", "tokenhash"]);
/** A before/after larger than this (JSON) is stored as its size and digest: the log is no blob store. */
export const AUDIT_VALUE_MAX_BYTES = 64 * 1024;

function scrub(v: unknown, depth = 0): unknown {
  if (depth > 50 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, SECRET_KEYS.has(k.toLowerCase()) ? "[redacted]" : scrub(x, depth + 1)]));
}

/** The stored text of a before/after: secret keys redacted, oversized values replaced by their digest. */
export function auditJson(v: unknown): string | null {
  if (v === undefined) return null;
  const text = JSON.stringify(scrub(v));
  const bytes = Buffer.byteLength(text);
  if (bytes <= AUDIT_VALUE_MAX_BYTES) return text;
  return JSON.stringify({ truncated: true, bytes, sha256: createHash("sha256").update(text).digest("hex") });
}

export function auditHash(prevHash: string, row: { teamId: string; at: number; actor: string; action: string; target: string; before: string | null; after: string | null }): string {
  return createHash("sha256")
    .update(JSON.stringify([prevHash, row.teamId, row.at, row.actor, row.action, row.target, row.before, row.after]))
    .digest("hex");
}

/** Appends within the caller's transaction (SQLite serialises writers; PostgreSQL takes a per-team lock). */
export async function appendAudit(q: AuditExec, kind: SqlDb["kind"], entry: AuditEntry): Promise<void> {
  // (A function in FROM: Prisma's raw queries cannot read a `void` column.)
  if (kind === "postgresql") await q.all('SELECT 1 AS "locked" FROM pg_advisory_xact_lock(hashtext(?))', [`audit:${entry.teamId}`]);
  const last = await q.all<{ hash: string }>('SELECT "hash" FROM "AuditLog" WHERE "teamId" = ? ORDER BY "id" DESC LIMIT 1', [entry.teamId]);
  const prevHash = last[0]?.hash ?? GENESIS;
  const row = {
    teamId: entry.teamId,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: formatTarget(entry.target),
    before: auditJson(entry.before),
    after: auditJson(entry.after),
  };
  await q.run('INSERT INTO "AuditLog" ("teamId","at","actor","action","target","before","after","prevHash","hash") VALUES (?,?,?,?,?,?,?,?,?)', [
    row.teamId,
    row.at,
    row.actor,
    row.action,
    row.target,
    row.before,
    row.after,
    prevHash,
    auditHash(prevHash, row),
  ]);
}

export type AuditVerification = { ok: true; rows: number } | { ok: false; rows: number; badRowId: number; reason: string };

type ChainRow = { id: number; teamId: string; at: number; actor: string; action: string; target: string; before: string | null; after: string | null; prevHash: string; hash: string };

/** Walks a team's chain in order (a page at a time); the first row whose link or hash does not match is named. */
export async function verifyAuditChain(sql: SqlDb, teamId: string): Promise<AuditVerification> {
  const PAGE = 2000;
  let prev = GENESIS;
  let after = 0;
  let rows = 0;
  for (;;) {
    const page = await sql.read<ChainRow>(
      'SELECT "id","teamId","at","actor","action","target","before","after","prevHash","hash" FROM "AuditLog" WHERE "teamId" = ? AND "id" > ? ORDER BY "id" LIMIT ?',
      [teamId, after, PAGE],
    );
    for (const r of page) {
      rows++;
      if (r.prevHash !== prev) return { ok: false, rows, badRowId: Number(r.id), reason: "its previous-hash does not match the row before it (a row was removed or reordered)" };
      if (auditHash(prev, { ...r, at: Number(r.at) }) !== r.hash) return { ok: false, rows, badRowId: Number(r.id), reason: "its content does not match its hash (the row was edited)" };
      prev = r.hash;
      after = Number(r.id);
    }
    if (page.length < PAGE) return { ok: true, rows };
  }
}
