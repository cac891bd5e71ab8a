/**
 * tRPC setup: context (the actor, resolved from the database), procedure meta (every procedure
 * declares `perm`), one middleware that enforces it, and the one AppError -> tRPC code table.
 */
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import superjson from "superjson";
import { ZodError } from "zod";
import { actorFromRequest, type Actor } from "~/server/auth/actor";
import type { Requirement } from "~/server/auth/permissions";
import { AppError, appErrorOf, type AppErrorCode } from "~/server/errors";
import { newId } from "~/server/ids";
import { logger } from "~/server/logger";

export type Context = {
  actor: Actor | null;
  authError?: string;
  /** the request's Idempotency-Key header (REST clients send it; runs.start honours it) */
  idempotencyKey?: string;
};

export type Meta = OpenApiMeta & {
  /** The permission this procedure requires; a procedure without one is refused at call time. */
  perm?: Requirement;
};

export async function createContext(opts: { req: Request }): Promise<Context> {
  const idempotencyKey = opts.req.headers.get("idempotency-key") ?? undefined;
  return { ...(await actorFromRequest(opts.req.headers)), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
}

const TRPC_CODE: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PRECONDITION_FAILED: "PRECONDITION_FAILED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
};

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // Dates survive the trip to the UI; REST (trpc-to-openapi) ignores transformers and sends JSON.
    transformer: superjson,
    errorFormatter({ shape, error, path }) {
      const cause = error.cause;
      // An internal error's text (a database error, a bug) never reaches a client: it is logged
      // with a reference the client can quote. Errors meant for clients are AppErrors (mapped once).
      if (shape.data.code === "INTERNAL_SERVER_ERROR") {
        const reference = newId("err");
        logger.error({ err: cause ?? error, path, reference }, "internal error");
        return { ...shape, message: `Internal server error (reference ${reference})`, data: { ...shape.data, stack: undefined } };
      }
      return {
        ...shape,
        data: {
          ...shape.data,
          stack: undefined,
          details: appErrorOf(cause)?.details,
          zodIssues: cause instanceof ZodError ? cause.issues : undefined,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Fails closed: no declared permission, no call. Then maps AppError and EngineError to tRPC codes. */
const enforce = t.middleware(async ({ meta, ctx, next, path }) => {
  const perm = meta?.perm;
  if (!perm) {
    logger.error({ path }, "procedure declares no permission");
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Procedure ${path} declares no permission.` });
  }
  if (perm !== "public") {
    if (!ctx.actor) throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.authError ?? "Sign in or send an API token (Authorization: Bearer <token>)." });
    if (perm !== "authenticated" && !ctx.actor.permissions.has(perm)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `Missing permission ${perm} in team ${ctx.actor.teamName}.` });
    }
  }
  const result = await next({ ctx });
  const refused = result.ok ? undefined : appErrorOf(result.error.cause);
  if (refused) throw new TRPCError({ code: TRPC_CODE[refused.code], message: refused.message, cause: refused });
  return result;
});

/** The only procedure builder of the app: every procedure goes through `enforce`. */
export const procedure = t.procedure.use(enforce);

/** Narrows ctx.actor for procedures whose permission is not "public". */
export function actorOf(ctx: Context): Actor {
  if (!ctx.actor) throw new AppError("UNAUTHORIZED", "Not signed in.");
  return ctx.actor;
}
