import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { limitBody } from "~/server/http/body-limit";
import { guardCookieWrite } from "~/server/http/request-guard";
import { appRouter } from "./root";
import { createContext } from "./trpc";

/** REST under /api/v1: the same procedures as tRPC, with the same permissions (API.md). */
export async function restHandler(req: Request): Promise<Response> {
  const refused = guardCookieWrite(req);
  if (refused) return refused;
  // The body is read here, at most MAX_REQUEST_BYTES of it (413 beyond), before anything parses it.
  const limited = await limitBody(req);
  if (limited instanceof Response) return limited;
  return createOpenApiFetchHandler({ endpoint: "/api/v1", router: appRouter, req: limited, createContext: () => createContext({ req: limited }) });
}
