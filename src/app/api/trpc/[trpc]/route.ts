import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { guardCookieWrite } from "~/server/http/request-guard";
import { logger } from "~/server/logger";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return (
    guardCookieWrite(req) ??
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req,
      router: appRouter,
      createContext: () => createContext({ req }),
      onError({ error, path }) {
        if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error, path }, "tRPC error");
      },
    })
  );
}

export { handler as GET, handler as POST };
