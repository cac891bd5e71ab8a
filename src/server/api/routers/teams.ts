import { z } from "zod";
import { createTeam, listTeams, ZCreateTeam, ZTeam, ZTeamSummary } from "~/server/services/teams";
import { actorOf, procedure, router } from "../trpc";

export const teamsRouter = router({
  list: procedure
    .meta({ perm: "team.manage", openapi: { method: "GET", path: "/teams", tags: ["teams"], summary: "Teams the caller belongs to and teams created from their current team, with member counts" } })
    .input(z.void())
    .output(z.array(ZTeamSummary))
    .query(({ ctx }) => listTeams(actorOf(ctx))),
  create: procedure
    .meta({ perm: "team.manage", openapi: { method: "POST", path: "/teams", tags: ["teams"], summary: "Create a team with its first admin (a new user); the caller does not join it" } })
    .input(ZCreateTeam)
    .output(ZTeam)
    .mutation(({ ctx, input }) => createTeam(actorOf(ctx), input)),
});
