import { auditExport } from "~/server/api/audit-export";
import { restHandler } from "~/server/api/rest-handler";

export const dynamic = "force-dynamic";

/** GET /api/v1/audit: JSON (the audit.list procedure), or with format=jsonl the JSON-lines export. */
export function GET(req: Request) {
  return new URL(req.url).searchParams.get("format") === "jsonl" ? auditExport(req) : restHandler(req);
}
