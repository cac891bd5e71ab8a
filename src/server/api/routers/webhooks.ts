import { z } from "zod";
import { createWebhook, deleteWebhook, listWebhooks, updateWebhook, ZCreateWebhook, ZUpdateWebhook, ZWebhook } from "~/server/services/webhooks";
import { ZId } from "~/server/services/input-limits";
import { actorOf, procedure, router } from "../trpc";

export const webhooksRouter = router({
  list: procedure
    .meta({ perm: "token.manage", openapi: { method: "GET", path: "/webhooks", tags: ["webhooks"] } })
    .input(z.void())
    .output(z.array(ZWebhook))
    .query(({ ctx }) => listWebhooks(actorOf(ctx))),
  create: procedure
    .meta({ perm: "token.manage", openapi: { method: "POST", path: "/webhooks", tags: ["webhooks"], summary: "Notify a URL when a gate opens or escalates; the signing secret is shown once" } })
    .input(ZCreateWebhook)
    .output(z.object({ webhook: ZWebhook, secret: z.string() }))
    .mutation(({ ctx, input }) => createWebhook(actorOf(ctx), input)),
  update: procedure
    .meta({ perm: "token.manage", openapi: { method: "PATCH", path: "/webhooks/{id}", tags: ["webhooks"], summary: "Change an endpoint's URL, format or enabled; the signing secret stays" } })
    .input(ZUpdateWebhook)
    .output(ZWebhook)
    .mutation(({ ctx, input }) => updateWebhook(actorOf(ctx), input)),
  delete: procedure
    .meta({ perm: "token.manage", openapi: { method: "DELETE", path: "/webhooks/{id}", tags: ["webhooks"] } })
    .input(z.object({ id: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteWebhook(actorOf(ctx), input.id)),
});
