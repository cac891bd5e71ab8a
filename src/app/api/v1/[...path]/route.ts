import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { appRouter } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { guardCookieWrite } from "~/server/http/request-guard";

export const dynamic = "force-dynamic";

/** REST under /api/v1: the same procedures as tRPC, with the same permissions (API.md). */
function handler(req: Request) {
  return (
    guardCookieWrite(req) ??
    createOpenApiFetchHandler({ endpoint: "/api/v1", router: appRouter, req, createContext: () => createContext({ req }) })
  );
}

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
