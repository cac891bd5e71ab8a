import { readiness } from "~/server/services/readiness";

export const dynamic = "force-dynamic";

export async function GET() {
  const r = await readiness();
  return Response.json(r, { status: r.status === "ok" ? 200 : 503 });
}
