import { maskUrlCredentials } from "~/server/http/mask-url-credentials";

/**
 * A URL as the audit log keeps it, which outlives the endpoint and leaves the server in exports:
 * user info masked as everywhere (maskUrlCredentials), and every query value too (tokens often
 * ride there: `?token=…`, `?sig=…`). Scheme, host, port and path stay, so endpoints are told apart.
 */
export function auditUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "[not a URL]";
  }
  for (const k of new Set(u.searchParams.keys())) u.searchParams.set(k, "***");
  u.hash = "";
  return maskUrlCredentials(u.toString());
}
