import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { StepError } from "~/engine/scheduler/types";
import { classifyAddress } from "./is-forbidden-address";

/** One address of a host, as `dns.lookup({ all: true })` answers. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface SsrfGuardOptions {
  /**
   * Hosts http steps may reach even on private, loopback or metadata addresses: host names
   * (`localhost`, or `*.corp.example` for a domain and its subdomains) and IP literals (`10.0.0.5`,
   * `::1`), case-insensitive. An allowed IP literal also allows any name resolving to it.
   * @default []
   */
  allowHosts?: readonly string[];
  /** DNS. @default node:dns/promises lookup with `{ all: true }` */
  resolve?: HostResolver;
}

export type GuardVerdict =
  /** `pinned`: connect to these addresses only (undefined: an allow-listed name, resolve freely). */
  | { ok: true; pinned: readonly ResolvedAddress[] | undefined }
  | { ok: false; error: StepError };

export interface SsrfGuard {
  /** Decides whether `url` may be requested and which addresses to connect to. */
  check(url: URL): Promise<GuardVerdict>;
}

/** Names of cloud metadata services, refused before DNS (their addresses are refused too). */
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata"]);

/** Lowercase, no brackets, no trailing dot; IPv6 literals in canonical form. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (isIP(h.split("%")[0] ?? "") === 6) {
    try {
      h = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    } catch {
      // Not canonicalisable (zone id): compare as written.
    }
  }
  return h;
}

const defaultResolve: HostResolver = (hostname) => lookup(hostname, { all: true });

/**
 * The SSRF guard of http steps. A URL passes when its host is allow-listed, or when its host (an
 * IP literal, or every address its name resolves to) is a public address. The checked addresses
 * are returned so the caller connects to exactly them: a DNS answer that changes between check
 * and connect (rebinding) cannot slip a private address in.
 */
export function createSsrfGuard(options: SsrfGuardOptions = {}): SsrfGuard {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of options.allowHosts ?? []) {
    const h = normalizeHost(entry);
    if (h === "") continue;
    if (h.startsWith("*.")) suffixes.push(h.slice(1));
    else exact.add(h);
  }
  const resolveHost = options.resolve ?? defaultResolve;
  const hostAllowed = (h: string) => exact.has(h) || suffixes.some((s) => h.endsWith(s) || h === s.slice(1));
  const refuse = (message: string): GuardVerdict => ({
    ok: false,
    error: { code: "forbidden_address", message: `http step refused: ${message}; add it to HTTP_ALLOW_HOSTS to allow` },
  });

  return {
    async check(url) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return { ok: false, error: { code: "invalid_params", message: `http step: only http: and https: URLs are supported, not ${url.protocol}` } };
      }
      const host = normalizeHost(url.hostname);
      if (hostAllowed(host)) return { ok: true, pinned: undefined };

      const family = isIP(host);
      if (family !== 0) {
        const cls = classifyAddress(host);
        if (cls !== undefined) return refuse(`${host} is a ${cls} address`);
        return { ok: true, pinned: [{ address: host, family }] };
      }
      if (METADATA_HOSTS.has(host)) return refuse(`${host} is a cloud metadata service`);

      let addresses: readonly ResolvedAddress[];
      try {
        addresses = await resolveHost(host);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
        return { ok: false, error: { code: "dns_error", message: `http step: cannot resolve ${host} (${code})` } };
      }
      if (addresses.length === 0) return { ok: false, error: { code: "dns_error", message: `http step: ${host} has no address` } };
      // Every address must pass, not only the first: the connection may fall back to any of them.
      for (const a of addresses) {
        const cls = classifyAddress(a.address);
        if (cls !== undefined && !exact.has(normalizeHost(a.address))) return refuse(`${host} resolves to ${a.address} (${cls})`);
      }
      return { ok: true, pinned: addresses };
    },
  };
}
