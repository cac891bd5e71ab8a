import { z } from "zod";
import { createToken, listTokens, revokeToken, ZCreateToken, ZToken } from "~/server/services/tokens";
import { ZId } from "~/server/services/input-limits";
import { actorOf, procedure, router } from "../trpc";

export const tokensRouter = router({
  list: procedure
    // Everyone: admins see the team's tokens, others their own (the service decides).
    .meta({ perm: "authenticated", openapi: { method: "GET", path: "/tokens", tags: ["tokens"], summary: "API tokens: the team's (admins) or the caller's own" } })
    .input(z.void())
    .output(z.array(ZToken))
    .query(({ ctx }) => listTokens(actorOf(ctx))),
  create: procedure
    .meta({ perm: "authenticated", openapi: { method: "POST", path: "/tokens", tags: ["tokens"], summary: "Create an API token (your own; admins: also for a member, by id or e-mail), capped by its user's roles; the secret is shown once" } })
    .input(ZCreateToken)
    .output(z.object({ id: z.string(), secret: z.string(), token: ZToken }))
    .mutation(({ ctx, input }) => createToken(actorOf(ctx), input)),
  revoke: procedure
    .meta({ perm: "authenticated", openapi: { method: "DELETE", path: "/tokens/{id}", tags: ["tokens"], summary: "Revoke a token (your own; admins: any of the team)" } })
    .input(z.object({ id: ZId }))
    .output(ZToken)
    .mutation(({ ctx, input }) => revokeToken(actorOf(ctx), input.id)),
});
