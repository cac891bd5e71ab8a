/**
 * The source address of a request, as far as this server can know it. `npm start` serves through
 * scripts/serve.mjs, which appends the socket's peer address to X-Forwarded-For, so the header's
 * last entry is the address that connected to us; with TRUST_PROXY=N (N proxies of yours in
 * front, each appending the address it saw), the source is N entries further left. Entries a
 * client wrote itself are further left still and never read. (`next dev` appends nothing when the
 * client sent the header: there, the address is only as good as the client's word.)
 */
import { env } from "~/env";

export function clientAddress(headers: Headers, trustedProxies: number = env.TRUST_PROXY): string {
  const chain = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (chain.length === 0) return "unknown";
  // Fewer entries than proxies: the request did not come through them all; the left-most entry
  // is then the nearest to the client we have.
  const entry = chain[Math.max(0, chain.length - 1 - trustedProxies)] ?? "unknown";
  return normalizeAddress(entry);
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are one address; IPv6 is lower-cased; ports are dropped. */
export function normalizeAddress(raw: string): string {
  let a = raw.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed?.[1]) a = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(a)) a = a.replace(/:\d+$/, "");
  if (a.startsWith("::ffff:") && /^\d{1,3}(\.\d{1,3}){3}$/.test(a.slice(7))) a = a.slice(7);
  return a.slice(0, 64);
}
