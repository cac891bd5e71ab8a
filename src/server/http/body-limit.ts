/**
 * Request body size limit (issue 13 #7) for every route that takes a body: REST (/api/v1), tRPC
 * and the NextAuth sign-in POST. Next.js route handlers get the body as a stream with no limit, so
 * one 150 MB request was read, parsed and stored whole. A body is refused with 413 before it is
 * read when its Content-Length says it is too large, and while it streams (chunked uploads carry no
 * length) as soon as the bytes counted pass the limit; the rest is never read.
 */
import { env } from "~/env";

const NO_BODY = new Set(["GET", "HEAD", "OPTIONS"]);

/** The JSON every route answers for a body over the limit. */
export function payloadTooLarge(maxBytes: number, seen?: number): Response {
  const what = seen !== undefined ? `${seen.toLocaleString("en")} bytes` : "more bytes";
  return Response.json(
    {
      error: {
        code: "PAYLOAD_TOO_LARGE",
        message: `Request body too large: ${what} sent, at most ${maxBytes.toLocaleString("en")} bytes are accepted (MAX_REQUEST_BYTES). Send less: large data belongs in files or artifacts, not in a request.`,
        maxBytes,
      },
    },
    { status: 413, headers: { connection: "close" } },
  );
}

function badLength(): Response {
  return Response.json({ error: { code: "BAD_REQUEST", message: "Invalid Content-Length header: expected a byte count." } }, { status: 400 });
}

/**
 * Reads `req`'s body up to `maxBytes`. Returns a request to hand on (the same one without a body,
 * else a copy with the body read into memory) or the response to send instead (413, or 400 for a
 * malformed Content-Length).
 */
export async function limitBody(req: Request, maxBytes: number = env.MAX_REQUEST_BYTES): Promise<Request | Response> {
  if (NO_BODY.has(req.method) || req.body === null) return req;
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (!/^\d{1,16}$/.test(declared.trim())) return badLength();
    const length = Number(declared);
    if (length > maxBytes) {
      await req.body.cancel().catch(() => undefined);
      return payloadTooLarge(maxBytes, length);
    }
  }
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  const headers = new Headers(req.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(total));
  return new Request(req.url, { method: req.method, headers, body, signal: req.signal });
}
