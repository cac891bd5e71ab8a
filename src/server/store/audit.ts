/**
 * Append-only audit log with a hash chain per team: each row stores the hash of the previous row
 * and its own hash over (previous hash, its fields). Editing or deleting a row breaks the chain at
 * that row; `verifyAuditChain` names the first bad one.
 */
import { createHash } from "node:crypto";
import type { SqlDb, SqlExec } from "./sql";

export interface AuditEntry {
  teamId: string;
  at: number;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

export const GENESIS = "0".repeat(64);

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export function auditHash(prevHash: string, row: { teamId: string; at: number; actor: string; action: string; target: string; before: string | null; after: string | null }): string {
  return createHash("sha256")
    .update(JSON.stringify([prevHash, row.teamId, row.at, row.actor, row.action, row.target, row.before, row.after]))
    .digest("hex");
}

/** Appends within the caller's transaction (SQLite serialises writers; PostgreSQL takes a per-team lock). */
export async function appendAudit(q: SqlExec, kind: SqlDb["kind"], entry: AuditEntry): Promise<void> {
  if (kind === "postgresql") await q.all("SELECT pg_advisory_xact_lock(hashtext(?))", [`audit:${entry.teamId}`]);
  const last = await q.all<{ hash: string }>('SELECT "hash" FROM "AuditLog" WHERE "teamId" = ? ORDER BY "id" DESC LIMIT 1', [entry.teamId]);
  const prevHash = last[0]?.hash ?? GENESIS;
  const row = { teamId: entry.teamId, at: entry.at, actor: entry.actor, action: entry.action, target: entry.target, before: json(entry.before), after: json(entry.after) };
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

/** Walks a team's chain in order; the first row whose link or hash does not match is named. */
export async function verifyAuditChain(sql: SqlDb, teamId: string): Promise<AuditVerification> {
  const rows = await sql.read<{ id: number; teamId: string; at: number; actor: string; action: string; target: string; before: string | null; after: string | null; prevHash: string; hash: string }>(
    'SELECT "id","teamId","at","actor","action","target","before","after","prevHash","hash" FROM "AuditLog" WHERE "teamId" = ? ORDER BY "id"',
    [teamId],
  );
  let prev = GENESIS;
  for (const r of rows) {
    if (r.prevHash !== prev) return { ok: false, rows: rows.length, badRowId: Number(r.id), reason: "its previous-hash does not match the row before it (a row was removed or reordered)" };
    if (auditHash(prev, { ...r, at: Number(r.at) }) !== r.hash) return { ok: false, rows: rows.length, badRowId: Number(r.id), reason: "its content does not match its hash (the row was edited)" };
    prev = r.hash;
  }
  return { ok: true, rows: rows.length };
}
