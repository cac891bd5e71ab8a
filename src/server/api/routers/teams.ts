import { createTeam, ZCreateTeam, ZTeam } from "~/server/services/teams";
import { actorOf, procedure, router } from "../trpc";

export const teamsRouter = router({
  create: procedure
    .meta({ perm: "team.manage", openapi: { method: "POST", path: "/teams", tags: ["teams"], summary: "Create a team with its first admin (a new user); the caller does not join it" } })
    .input(ZCreateTeam)
    .output(ZTeam)
    .mutation(({ ctx, input }) => createTeam(actorOf(ctx), input)),
});
