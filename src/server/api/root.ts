import { approvalsRouter } from "./routers/approvals";
import { auditRouter } from "./routers/audit";
import { meRouter } from "./routers/me";
import { runsRouter } from "./routers/runs";
import { setupRouter } from "./routers/setup";
import { teamsRouter } from "./routers/teams";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { webhooksRouter } from "./routers/webhooks";
import { workflowsRouter } from "./routers/workflows";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  me: meRouter,
  setup: setupRouter,
  users: usersRouter,
  teams: teamsRouter,
  tokens: tokensRouter,
  workflows: workflowsRouter,
  runs: runsRouter,
  approvals: approvalsRouter,
  audit: auditRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
