/**
 * `GET /api/v1/audit?format=jsonl&…`: every entry matching the filters, one JSON object per line,
 * streamed a page at a time through the `audit.list` procedure itself (so the permission, the
 * team scoping and the input validation are the procedure's, checked on every page).
 */
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { ZodError } from "zod";
import type { TAuditEntry } from "~/server/services/audit/list-audit";
import { createCaller } from "./root";
import { createContext } from "./trpc";

const PAGE = 1000;

function errorResponse(e: unknown): Response {
  if (!(e instanceof TRPCError)) throw e;
  const zod = e.cause instanceof ZodError ? e.cause : undefined;
  return Response.json(
    { message: zod ? "Input validation failed" : e.message, code: e.code, ...(zod ? { issues: zod.issues } : {}) },
    { status: getHTTPStatusCodeFromError(e) },
  );
}

export async function auditExport(req: Request): Promise<Response> {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  delete params.format;
  const total = params.limit === undefined ? Infinity : Number(params.limit);
  const caller = createCaller(await createContext({ req }));
  const order = params.order === "desc" ? "desc" : "asc";
  const query = (cursor: number | undefined, limit: number) =>
    caller.audit.list({ ...params, limit: Math.min(PAGE, limit), ...(cursor === undefined ? {} : order === "desc" ? { before: cursor } : { after: cursor }) });
  // The first page before any byte is sent: a refusal or a bad filter answers with its status.
  let page: TAuditEntry[];
  try {
    page = await query(undefined, total);
  } catch (e) {
    return errorResponse(e);
  }
  const encoder = new TextEncoder();
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (page.length) {
        controller.enqueue(encoder.encode(page.map((e) => `${JSON.stringify(e)}\n`).join("")));
        sent += page.length;
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE || sent >= total) return controller.close();
      page = await query(last.id, total - sent);
    },
  });
  const name = `audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.jsonl`;
  return new Response(stream, {
    headers: { "content-type": "application/x-ndjson; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" },
  });
}
