import { z } from "zod";
import { ZRole } from "~/server/auth/permissions";
import { createUser, listUsers, resetUserPassword, setUserDisabled, setUserRoles, ZCreateUser, ZPassword, ZUser } from "~/server/services/users";
import { actorOf, procedure, router } from "../trpc";

export const usersRouter = router({
  list: procedure
    .meta({ perm: "user.manage", openapi: { method: "GET", path: "/users", tags: ["users"] } })
    .input(z.void())
    .output(z.array(ZUser))
    .query(({ ctx }) => listUsers(actorOf(ctx))),
  create: procedure
    .meta({ perm: "user.manage", openapi: { method: "POST", path: "/users", tags: ["users"], summary: "Create a user in the caller's team" } })
    .input(ZCreateUser)
    .output(ZUser)
    .mutation(({ ctx, input }) => createUser(actorOf(ctx), input)),
  setRoles: procedure
    .meta({ perm: "user.manage", openapi: { method: "POST", path: "/users/{userId}/roles", tags: ["users"] } })
    .input(z.object({ userId: z.string(), roles: z.array(ZRole) }))
    .output(ZUser)
    .mutation(({ ctx, input }) => setUserRoles(actorOf(ctx), input)),
  setDisabled: procedure
    .meta({ perm: "user.manage", openapi: { method: "POST", path: "/users/{userId}/disabled", tags: ["users"] } })
    .input(z.object({ userId: z.string(), disabled: z.boolean() }))
    .output(ZUser)
    .mutation(({ ctx, input }) => setUserDisabled(actorOf(ctx), input)),
  resetPassword: procedure
    .meta({ perm: "user.manage", openapi: { method: "POST", path: "/users/{userId}/password", tags: ["users"] } })
    .input(z.object({ userId: z.string(), password: ZPassword }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => resetUserPassword(actorOf(ctx), input)),
});
