import { z } from "zod";
import { env } from "~/env";
import { createFirstAdmin, needsSetup } from "~/server/services/bootstrap";
import { ZEmail, ZPassword } from "~/server/services/users";
import { procedure, router } from "../trpc";

/** One-time first-admin setup: public, and refused by the service once any user exists. */
export const setupRouter = router({
  status: procedure
    .meta({ perm: "public" })
    .input(z.void())
    .output(z.object({ needsSetup: z.boolean() }))
    .query(async () => ({ needsSetup: await needsSetup() })),
  createAdmin: procedure
    .meta({ perm: "public" })
    .input(z.object({ email: ZEmail, password: ZPassword, name: z.string().max(200).optional() }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ input }) => {
      await createFirstAdmin(input, env);
      return { ok: true as const };
    }),
});
