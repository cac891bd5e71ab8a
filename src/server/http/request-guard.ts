/**
 * CSRF guard for cookie-authenticated writes. A request that carries a bearer token is not
 * cookie-authenticated and passes. A cookie-authenticated POST/PUT/PATCH/DELETE must be JSON and come
 * from this app's own origin (Origin, else Referer); browsers cannot send JSON cross-origin without
 * a preflight, and a forged form post is neither JSON nor same-origin.
 */
import { env } from "~/env";

const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function allowedOrigins(req: Request): Set<string> {
  const out = new Set<string>([new URL(env.nextAuthUrl).origin]);
  const host = req.headers.get("host");
  if (host) {
    const proto = req.headers.get("x-forwarded-proto") ?? new URL(req.url).protocol.replace(":", "");
    out.add(`${proto}://${host}`);
  }
  return out;
}

/** Returns a 403 response when the request must be refused, else null. */
export function guardCookieWrite(req: Request): Response | null {
  if (!WRITE.has(req.method)) return null;
  if (req.headers.get("authorization")) return null;
  const refuse = (message: string) =>
    Response.json({ error: { code: "FORBIDDEN", message } }, { status: 403 });
  const contentType = req.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    return refuse("Cookie-authenticated writes must send Content-Type: application/json (or use an API token).");
  }
  const origin = originOf(req.headers.get("origin")) ?? originOf(req.headers.get("referer"));
  if (!origin || !allowedOrigins(req).has(origin)) {
    return refuse("Cross-origin write refused: send it from this app, or use an API token (Authorization: Bearer).");
  }
  return null;
}
