import { z } from "zod";
import { ROLES, ZRole } from "~/server/auth/permissions";
import { ZId } from "~/server/services/input-limits";
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
    .input(z.object({ userId: ZId, roles: z.array(ZRole).max(ROLES.length) }))
    .output(ZUser)
    .mutation(({ ctx, input }) => setUserRoles(actorOf(ctx), input)),
  setDisabled: procedure
    .meta({ perm: "user.manage", openapi: { method: "POST", path: "/users/{userId}/disabled", tags: ["users"] } })
    .input(z.object({ userId: ZId, disabled: z.boolean() }))
    .output(ZUser)
    .mutation(({ ctx, input }) => setUserDisabled(actorOf(ctx), input)),
  resetPassword: procedure
    .meta({ perm: "user.manage", openapi: { method: "POST", path: "/users/{userId}/password", tags: ["users"] } })
    .input(z.object({ userId: ZId, password: ZPassword }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => resetUserPassword(actorOf(ctx), input)),
});
