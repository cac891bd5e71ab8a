/**
 * Credentials written into a URL (`https://user:password@host/...`) never reach a log line or an
 * API response: the user-info part becomes `***`. Applied to whole texts too (log messages that
 * quote a URL), so any scheme://...@ sequence is masked wherever it stands.
 */
// Greedy up to the last "@" before the path, so a password with a raw "@" is masked whole.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*(?:@[^\s/?#@]*)*@/gi;

export const MASKED_USERINFO = "***";

export function maskUrlCredentials(text: string): string {
  if (!text.includes("@")) return text;
  return text.replace(USERINFO, `$1${MASKED_USERINFO}@`);
}

/** Masks every string of a log record's fields (plain objects and arrays, a few levels deep). */
export function maskUrlCredentialsDeep<T>(value: T, depth = 4): T {
  if (typeof value === "string") return maskUrlCredentials(value) as T;
  if (depth === 0 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v: unknown) => maskUrlCredentialsDeep(v, depth - 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value; // Errors etc.: pino's serializers
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskUrlCredentialsDeep(v, depth - 1);
  return out as T;
}
