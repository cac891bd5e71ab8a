/**
 * The one way a service records a change in the audit log: `recordAudit(tx, actor, change)` inside
 * the transaction that makes the change, so the row and the change commit (or roll back) together.
 * `tx` is either the engine store's transaction (runs) or Prisma's interactive transaction (users,
 * tokens, teams, webhooks, workflows); both reach the same chain writer (store/audit.ts), which
 * serialises the chain head per team. Snapshots passed as before/after are built by the callers
 * from the fields people need (never a password hash, token hash or signing secret), and the
 * writer redacts secret-named keys again.
 */
import { env } from "~/env";
import type { Actor } from "~/server/auth/actor";
import type { Tx } from "~/server/db";
import { appendAudit, type AuditExec } from "~/server/store/audit";
import { AUDIT_ACTIONS, type AuditAction } from "~/server/store/audit-actions";
import type { SqlExec, SqlValue } from "~/server/store/sql";

export type AuditChange<A extends AuditAction = AuditAction> = {
  action: A;
  /** the changed object's id; its type is the action's (audit-actions.ts) */
  targetId: string;
  before?: unknown;
  after?: unknown;
  /** the chain to write to: the actor's team unless given */
  teamId?: string;
  /** when, in epoch ms: now unless given (a gate decision's row takes the decision's time) */
  at?: number;
};

/** Who made a change: a person (their e-mail) or the system itself (`system`: start-up loading). */
export type AuditActor = Pick<Actor, "email" | "teamId"> | { system: string; teamId: string };

/** A transaction to record in: the engine store's (`{ sql: q }`) or Prisma's (`{ prisma: tx }`). */
export type AuditTx = { sql: SqlExec } | { prisma: Tx };

const toPg = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

/** Prisma's transaction client as the chain writer's two statements. */
function prismaExec(tx: Tx): AuditExec {
  const pg = env.databaseKind === "postgresql";
  const text = (sql: string) => (pg ? toPg(sql) : sql);
  return {
    all: async <T,>(sql: string, args: readonly SqlValue[] = []) => (await tx.$queryRawUnsafe(text(sql), ...args)) as T[],
    run: (sql: string, args: readonly SqlValue[] = []) => tx.$executeRawUnsafe(text(sql), ...args),
  } as AuditExec;
}

export async function recordAudit(tx: AuditTx, actor: AuditActor, change: AuditChange): Promise<void> {
  const exec = "sql" in tx ? tx.sql : prismaExec(tx.prisma);
  await appendAudit(exec, env.databaseKind, {
    teamId: change.teamId ?? actor.teamId,
    at: change.at ?? Date.now(),
    actor: "system" in actor ? actor.system : actor.email,
    action: change.action,
    target: { type: AUDIT_ACTIONS[change.action], id: change.targetId },
    before: change.before,
    after: change.after,
  });
}
