import { z } from "zod";
import { createToken, listTokens, revokeToken, ZCreateToken, ZToken } from "~/server/services/tokens";
import { actorOf, procedure, router } from "../trpc";

export const tokensRouter = router({
  list: procedure
    .meta({ perm: "token.manage", openapi: { method: "GET", path: "/tokens", tags: ["tokens"] } })
    .input(z.void())
    .output(z.array(ZToken))
    .query(({ ctx }) => listTokens(actorOf(ctx))),
  create: procedure
    .meta({ perm: "token.manage", openapi: { method: "POST", path: "/tokens", tags: ["tokens"], summary: "Create an API token; the secret is shown once" } })
    .input(ZCreateToken)
    .output(z.object({ id: z.string(), secret: z.string(), token: ZToken }))
    .mutation(({ ctx, input }) => createToken(actorOf(ctx), input)),
  revoke: procedure
    .meta({ perm: "token.manage", openapi: { method: "DELETE", path: "/tokens/{id}", tags: ["tokens"] } })
    .input(z.object({ id: z.string() }))
    .output(ZToken)
    .mutation(({ ctx, input }) => revokeToken(actorOf(ctx), input.id)),
});
