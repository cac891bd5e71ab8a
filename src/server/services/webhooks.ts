/** A team's notification endpoints (admins). The signing secret is shown once, at creation. */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { maskUrlCredentials } from "~/server/http/mask-url-credentials";
import { newId } from "~/server/ids";
import { auditUrl } from "./audit/audit-url";
import { recordAudit } from "./audit/record-audit";
import { MAX_URL_CHARS, ZId } from "./input-limits";

const ZWebhookUrl = z.url({ protocol: /^https?$/, error: "Give an http(s) URL." }).max(MAX_URL_CHARS, `A webhook URL has at most ${MAX_URL_CHARS} characters.`);
const ZWebhookFormat = z.enum(["json", "slack"]);

export const ZCreateWebhook = z.object({
  url: ZWebhookUrl,
  format: ZWebhookFormat.default("json"),
});

export const ZUpdateWebhook = z.object({
  id: ZId,
  url: ZWebhookUrl.optional(),
  format: ZWebhookFormat.optional(),
  enabled: z.boolean().optional(),
});

/** `url` with any credentials it carries masked (`https://***@host/...`): they are never shown again. */
export const ZWebhook = z.object({ id: z.string(), url: z.string(), format: z.string(), enabled: z.boolean(), createdAt: z.date() });
type TWebhook = z.infer<typeof ZWebhook>;

type Row = { id: string; url: string; format: string; enabled: boolean; createdAt: Date };

function toWebhook(r: Row): TWebhook {
  return { id: r.id, url: maskUrlCredentials(r.url), format: r.format, enabled: r.enabled, createdAt: r.createdAt };
}

/** What the audit log keeps of an endpoint: the URL with its credentials masked, never the signing secret. */
function auditWebhook(r: Row) {
  return { url: auditUrl(r.url), format: r.format, enabled: r.enabled };
}

export async function listWebhooks(actor: Actor): Promise<TWebhook[]> {
  const rows = await db.webhookEndpoint.findMany({ where: { teamId: actor.teamId }, orderBy: { createdAt: "asc" } });
  return rows.map(toWebhook);
}

export async function createWebhook(actor: Actor, input: z.infer<typeof ZCreateWebhook>): Promise<{ webhook: TWebhook; secret: string }> {
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const r = await db.$transaction(async (tx) => {
    const row = await tx.webhookEndpoint.create({ data: { id: newId("whk"), teamId: actor.teamId, url: input.url, format: input.format, secret } });
    await recordAudit({ prisma: tx }, actor, { action: "webhook.created", targetId: row.id, after: auditWebhook(row) });
    return row;
  });
  return { webhook: toWebhook(r), secret };
}

/** Changes an endpoint's URL, format or whether it is enabled (the signing secret stays). */
export async function updateWebhook(actor: Actor, input: z.infer<typeof ZUpdateWebhook>): Promise<TWebhook> {
  return db.$transaction(async (tx) => {
    const row = await tx.webhookEndpoint.findFirst({ where: { id: input.id, teamId: actor.teamId } });
    if (!row) throw new AppError("NOT_FOUND", `No webhook ${input.id} in team ${actor.teamName}.`);
    const updated = await tx.webhookEndpoint.update({
      where: { id: row.id },
      data: { ...(input.url !== undefined ? { url: input.url } : {}), ...(input.format !== undefined ? { format: input.format } : {}), ...(input.enabled !== undefined ? { enabled: input.enabled } : {}) },
    });
    const before = auditWebhook(row);
    const after = auditWebhook(updated);
    // (A changed URL may mask to the same text: the entry then still says the URL changed.)
    if (row.url !== updated.url || JSON.stringify(before) !== JSON.stringify(after)) {
      await recordAudit({ prisma: tx }, actor, { action: "webhook.updated", targetId: row.id, before, after: { ...after, ...(row.url !== updated.url ? { urlChanged: true } : {}) } });
    }
    return toWebhook(updated);
  });
}

export async function deleteWebhook(actor: Actor, id: string): Promise<{ ok: true }> {
  await db.$transaction(async (tx) => {
    const row = await tx.webhookEndpoint.findFirst({ where: { id, teamId: actor.teamId } });
    if (!row) throw new AppError("NOT_FOUND", `No webhook ${id} in team ${actor.teamName}.`);
    await tx.webhookEndpoint.delete({ where: { id: row.id } });
    await recordAudit({ prisma: tx }, actor, { action: "webhook.deleted", targetId: row.id, before: auditWebhook(row) });
  });
  return { ok: true };
}
