import { Readable } from "node:stream";
import { actorFromRequest } from "~/server/auth/actor";
import { AppError, appErrorOf, HTTP_STATUS } from "~/server/errors";
import { openArtifact } from "~/server/services/artifacts";

export const dynamic = "force-dynamic";

type Params = { id: string; stepId: string; attempt: string; name: string[] };

/**
 * GET /api/v1/runs/{id}/steps/{stepId}/artifacts/{attempt}/{name...}: one artifact file, as a
 * download. Same permission as reading the run (run.read), same team isolation (another team's run
 * answers 404), and the name stays inside the attempt's artifacts directory: the file is streamed
 * from the handle openArtifact checked (no symbolic link on its way), never opened again by name.
 */
export async function GET(req: Request, ctx: { params: Promise<Params> }): Promise<Response> {
  const { actor, authError } = await actorFromRequest(req.headers);
  if (!actor) return Response.json({ message: authError ?? "Sign in or send an API token (Authorization: Bearer <token>).", code: "UNAUTHORIZED" }, { status: 401 });
  if (!actor.permissions.has("run.read")) return Response.json({ message: `Missing permission run.read in team ${actor.teamName}.`, code: "FORBIDDEN" }, { status: 403 });
  const p = await ctx.params;
  const attempt = Number(p.attempt);
  try {
    if (!Number.isInteger(attempt) || attempt < 1) throw new AppError("NOT_FOUND", `No attempt ${p.attempt}.`);
    // Next.js has decoded each segment once; a decoded "/" or ".." inside one is refused by the service.
    const name = p.name.join("/");
    const file = await openArtifact(actor, { id: p.id, stepId: p.stepId, attempt, name });
    const base = name.split("/").pop() ?? "artifact";
    // The stream closes the handle when it ends, fails or the client goes; `end`: the size checked.
    let body: ReadableStream | null = null;
    if (file.size === 0) await file.handle.close();
    else body = Readable.toWeb(file.handle.createReadStream({ start: 0, end: file.size - 1 })) as ReadableStream;
    return new Response(body, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(file.size),
        "content-disposition": `attachment; filename="${base.replace(/[^\w.-]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(base)}`,
        "x-content-type-options": "nosniff",
        "cache-control": "private, no-store",
      },
    });
  } catch (e) {
    const refused = appErrorOf(e);
    if (refused) return Response.json({ message: refused.message, code: refused.code }, { status: HTTP_STATUS[refused.code] });
    throw e;
  }
}
