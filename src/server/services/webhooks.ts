/** A team's notification endpoints (admins). The signing secret is shown once, at creation. */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";

export const ZCreateWebhook = z.object({
  url: z.url({ protocol: /^https?$/, error: "Give an http(s) URL." }),
  format: z.enum(["json", "slack"]).default("json"),
});

export const ZWebhook = z.object({ id: z.string(), url: z.string(), format: z.string(), enabled: z.boolean(), createdAt: z.date() });

export async function listWebhooks(actor: Actor): Promise<z.infer<typeof ZWebhook>[]> {
  const rows = await db.webhookEndpoint.findMany({ where: { teamId: actor.teamId }, orderBy: { createdAt: "asc" } });
  return rows.map((r) => ({ id: r.id, url: r.url, format: r.format, enabled: r.enabled, createdAt: r.createdAt }));
}

export async function createWebhook(actor: Actor, input: z.infer<typeof ZCreateWebhook>): Promise<{ webhook: z.infer<typeof ZWebhook>; secret: string }> {
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const r = await db.webhookEndpoint.create({ data: { id: newId("whk"), teamId: actor.teamId, url: input.url, format: input.format, secret } });
  return { webhook: { id: r.id, url: r.url, format: r.format, enabled: r.enabled, createdAt: r.createdAt }, secret };
}

export async function deleteWebhook(actor: Actor, id: string): Promise<{ ok: true }> {
  const n = await db.webhookEndpoint.deleteMany({ where: { id, teamId: actor.teamId } });
  if (n.count === 0) throw new AppError("NOT_FOUND", `No webhook ${id} in team ${actor.teamName}.`);
  return { ok: true };
}
