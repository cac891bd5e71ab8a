import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { guardCookieWrite } from "~/server/http/request-guard";
import { appRouter } from "./root";
import { createContext } from "./trpc";

/** REST under /api/v1: the same procedures as tRPC, with the same permissions (API.md). */
export function restHandler(req: Request): Response | Promise<Response> {
  return (
    guardCookieWrite(req) ??
    createOpenApiFetchHandler({ endpoint: "/api/v1", router: appRouter, req, createContext: () => createContext({ req }) })
  );
}
