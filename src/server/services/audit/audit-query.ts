/**
 * The audit log's filters, one schema for tRPC, REST (query string) and the JSON-lines export:
 * actor, action, target and a time range, with a cursor.
 */
import { z } from "zod";
import { MAX_ROW_ID } from "../input-limits";
import { AUDIT_ACTION_NAMES, AUDIT_TARGET_TYPES } from "~/server/store/audit-actions";

const ACTION_PREFIXES = new Set(AUDIT_TARGET_TYPES as readonly string[]);

/** A time as REST and the UI send it: ISO 8601 text or epoch milliseconds. */
const ZTime = z.union([z.date(), z.string().max(64), z.number().min(-8.64e15).max(8.64e15)]).transform((v, ctx) => {
  const d = v instanceof Date ? v : typeof v === "number" || /^\d+$/.test(v) ? new Date(Number(v)) : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: `"${String(v)}" is not a time: give ISO 8601 (2025-01-31T09:00:00Z) or epoch milliseconds.` });
    return z.NEVER;
  }
  return d;
});

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const ZAuditQuery = z
  .object({
    /** part of the actor (an e-mail, `engine` or `system`), case-insensitive */
    actor: z.preprocess(blankToUndefined, z.string().trim().toLowerCase().max(320).optional()).describe("Part of the actor (an e-mail, engine or system), case-insensitive"),
    /** an action (`user.disabled`) or every action of a kind (`user`) */
    action: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .max(100)
        .refine((a) => (AUDIT_ACTION_NAMES as string[]).includes(a) || ACTION_PREFIXES.has(a.replace(/\.$/, "")), {
          message: `Unknown action: give one of ${AUDIT_ACTION_NAMES.join(", ")}, or a kind (${AUDIT_TARGET_TYPES.join(", ")}).`,
        })
        .optional(),
    ).describe("An action (user.disabled) or every action of a kind (user, run, gate, workflow, token, team, webhook)"),
    /**
     * a kind (`run`), one object (`run:run_1`), or text its id contains (`run_1` finds the run and
     * its gates)
     */
    target: z.preprocess(blankToUndefined, z.string().trim().max(300).optional()).describe("A kind (run), one object (run:run_1), or text the target's id contains (run_1: the run and its gates)"),
    /** entries at or after this time */
    from: z.preprocess(blankToUndefined, ZTime.optional()).describe("Entries at or after this time: ISO 8601 or epoch milliseconds"),
    /** entries at or before this time */
    to: z.preprocess(blankToUndefined, ZTime.optional()).describe("Entries at or before this time: ISO 8601 or epoch milliseconds"),
    /** oldest first from this id on (exclusive): the last id of the previous page */
    after: z.coerce.number().int().min(0).max(MAX_ROW_ID).optional().describe("Oldest first: entries after this id (the last id of the previous page)"),
    /** newest first (order=desc) below this id: the last id of the previous page */
    before: z.coerce.number().int().min(1).max(MAX_ROW_ID).optional().describe("Newest first (order=desc): entries below this id"),
    order: z.enum(["asc", "desc"]).default("asc"),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    /** REST only: `jsonl` answers with one JSON entry per line (application/x-ndjson), every page */
    format: z.enum(["json", "jsonl"]).optional().describe("jsonl: the matching entries as a download, one JSON object per line (application/x-ndjson): all of them, or at most `limit` when given"),
  })
  .refine((q) => !(q.from && q.to) || q.from.getTime() <= q.to.getTime(), { message: "`from` is after `to`: swap them.", path: ["from"] });

export type TAuditQuery = z.infer<typeof ZAuditQuery>;
export type TAuditQueryInput = z.input<typeof ZAuditQuery>;
