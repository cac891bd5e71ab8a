/** A team's notification endpoints (admins). The signing secret is shown once, at creation. */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { maskUrlCredentials } from "~/server/http/mask-url-credentials";
import { newId } from "~/server/ids";

export const ZCreateWebhook = z.object({
  url: z.url({ protocol: /^https?$/, error: "Give an http(s) URL." }),
  format: z.enum(["json", "slack"]).default("json"),
});

/** `url` with any credentials it carries masked (`https://***@host/...`): they are never shown again. */
export const ZWebhook = z.object({ id: z.string(), url: z.string(), format: z.string(), enabled: z.boolean(), createdAt: z.date() });
type TWebhook = z.infer<typeof ZWebhook>;

function toWebhook(r: { id: string; url: string; format: string; enabled: boolean; createdAt: Date }): TWebhook {
  return { id: r.id, url: maskUrlCredentials(r.url), format: r.format, enabled: r.enabled, createdAt: r.createdAt };
}

export async function listWebhooks(actor: Actor): Promise<TWebhook[]> {
  const rows = await db.webhookEndpoint.findMany({ where: { teamId: actor.teamId }, orderBy: { createdAt: "asc" } });
  return rows.map(toWebhook);
}

export async function createWebhook(actor: Actor, input: z.infer<typeof ZCreateWebhook>): Promise<{ webhook: TWebhook; secret: string }> {
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const r = await db.webhookEndpoint.create({ data: { id: newId("whk"), teamId: actor.teamId, url: input.url, format: input.format, secret } });
  return { webhook: toWebhook(r), secret };
}

export async function deleteWebhook(actor: Actor, id: string): Promise<{ ok: true }> {
  const n = await db.webhookEndpoint.deleteMany({ where: { id, teamId: actor.teamId } });
  if (n.count === 0) throw new AppError("NOT_FOUND", `No webhook ${id} in team ${actor.teamName}.`);
  return { ok: true };
}
