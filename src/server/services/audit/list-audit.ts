/**
 * Reads the team's audit log with filters. Admins (`audit.read`) see every entry of their team;
 * approvers (`audit.read_decisions`) see the gate entries alone (who decided what, when). Another
 * team's entries are never read: every query is bound to the caller's team.
 */
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { AUDIT_TARGET_TYPES, parseTarget, type AuditTargetType } from "~/server/store/audit-actions";
import { engineStore } from "~/server/store/instance";
import type { SqlValue } from "~/server/store/sql";
import { ZAuditQuery, type TAuditQuery, type TAuditQueryInput } from "./audit-query";

export const ZAuditEntry = z.object({
  id: z.number().int(),
  at: z.date(),
  actor: z.string(),
  action: z.string(),
  /** `<type>:<id>`, e.g. `run:run_1`, `gate:run_1/review#1` */
  target: z.string(),
  targetType: z.enum(AUDIT_TARGET_TYPES),
  targetId: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  hash: z.string(),
});
export type TAuditEntry = z.infer<typeof ZAuditEntry>;

type Row = { id: number; at: number; actor: string; action: string; target: string; before: string | null; after: string | null; hash: string };

/** Whether the caller sees only decisions on gates (approvers), or everything (admins). */
export function auditScope(actor: Actor): "all" | "decisions" {
  if (actor.permissions.has("audit.read")) return "all";
  if (actor.permissions.has("audit.read_decisions")) return "decisions";
  throw new AppError("FORBIDDEN", `Missing permission audit.read_decisions in team ${actor.teamName}.`);
}

/** `like` text for a prefix, with LIKE's wildcards escaped. */
const prefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function where(actor: Actor, q: TAuditQuery, pg: boolean): { sql: string; args: SqlValue[] } {
  const parts = ['"teamId" = ?'];
  const args: SqlValue[] = [actor.teamId];
  const contains = (col: string) => (pg ? `strpos(${col}, ?) > 0` : `instr(${col}, ?) > 0`);
  if (auditScope(actor) === "decisions") {
    parts.push(`"action" LIKE ? ESCAPE '\\'`);
    args.push(prefix("gate."));
  }
  if (q.actor) {
    parts.push(contains('lower("actor")'));
    args.push(q.actor);
  }
  if (q.action) {
    const kind = q.action.replace(/\.$/, "");
    if ((AUDIT_TARGET_TYPES as readonly string[]).includes(kind)) {
      parts.push(`"action" LIKE ? ESCAPE '\\'`);
      args.push(prefix(`${kind}.`));
    } else {
      parts.push('"action" = ?');
      args.push(q.action);
    }
  }
  if (q.target) {
    const m = /^([a-z]+)(?::(.*))?$/s.exec(q.target);
    const type = m?.[1] as AuditTargetType | undefined;
    if (m && type && (AUDIT_TARGET_TYPES as readonly string[]).includes(type)) {
      if (m[2] === undefined) {
        // A kind: its actions' prefix (a row's target type is its action's).
        parts.push(`"action" LIKE ? ESCAPE '\\'`);
        args.push(prefix(`${type}.`));
      } else {
        // One object; gate rows written before targets had a type name it without one.
        parts.push(type === "gate" ? '("target" = ? OR "target" = ?)' : '"target" = ?');
        args.push(q.target, ...(type === "gate" ? [m[2]] : []));
      }
    } else {
      parts.push(contains('"target"'));
      args.push(q.target);
    }
  }
  if (q.from) {
    parts.push('"at" >= ?');
    args.push(q.from.getTime());
  }
  if (q.to) {
    parts.push('"at" <= ?');
    args.push(q.to.getTime());
  }
  if (q.order === "asc" && q.after !== undefined) {
    parts.push('"id" > ?');
    args.push(q.after);
  }
  if (q.order === "desc" && q.before !== undefined) {
    parts.push('"id" < ?');
    args.push(q.before);
  }
  return { sql: parts.join(" AND "), args };
}

function toEntry(r: Row): TAuditEntry {
  const target = parseTarget(r.target);
  return {
    id: Number(r.id),
    at: new Date(Number(r.at)),
    actor: r.actor,
    action: r.action,
    target: `${target.type}:${target.id}`,
    targetType: target.type,
    targetId: target.id,
    before: r.before === null ? undefined : (JSON.parse(r.before) as unknown),
    after: r.after === null ? undefined : (JSON.parse(r.after) as unknown),
    hash: r.hash,
  };
}

/** One page of the caller's team's entries matching `q` (oldest first, or newest first with order=desc). */
export async function listAudit(actor: Actor, input: TAuditQueryInput): Promise<TAuditEntry[]> {
  const q = ZAuditQuery.parse(input);
  const sql = engineStore().sql;
  const w = where(actor, q, sql.kind === "postgresql");
  const rows = await sql.read<Row>(
    `SELECT "id","at","actor","action","target","before","after","hash" FROM "AuditLog" WHERE ${w.sql} ORDER BY "id" ${q.order === "desc" ? "DESC" : "ASC"} LIMIT ?`,
    [...w.args, q.limit],
  );
  return rows.map(toEntry);
}
