import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { limitBody } from "~/server/http/body-limit";
import { guardCookieWrite } from "~/server/http/request-guard";

export const dynamic = "force-dynamic";

async function handler(req: Request): Promise<Response> {
  const refused = guardCookieWrite(req);
  if (refused) return refused;
  // At most MAX_REQUEST_BYTES of the body is read (413 beyond), before tRPC parses it.
  const limited = await limitBody(req);
  if (limited instanceof Response) return limited;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: limited,
    router: appRouter,
    createContext: () => createContext({ req: limited }),
  });
}

export { handler as GET, handler as POST };
