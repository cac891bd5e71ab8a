import { z } from "zod";
import { PERMISSIONS, ZRole } from "~/server/auth/permissions";
import { actorOf, procedure, router } from "../trpc";

const ZMe = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  team: z.object({ id: z.string(), name: z.string() }),
  roles: z.array(ZRole),
  permissions: z.array(z.enum(PERMISSIONS)),
  via: z.enum(["session", "token"]),
});

export const meRouter = router({
  get: procedure
    .meta({ perm: "authenticated", openapi: { method: "GET", path: "/me", tags: ["me"], summary: "Who the caller is" } })
    .input(z.void())
    .output(ZMe)
    .query(({ ctx }) => {
      const a = actorOf(ctx);
      return {
        userId: a.userId,
        email: a.email,
        name: a.name,
        team: { id: a.teamId, name: a.teamName },
        roles: a.roles,
        permissions: [...a.permissions],
        via: a.via,
      };
    }),
});
