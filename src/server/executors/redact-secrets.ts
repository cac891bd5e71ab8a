import type { Json } from "~/engine/json";

/** What replaces a secret in logs, outputs and error messages. */
export const REDACTED = "***";

/**
 * Replaces every occurrence of every secret in `text` with `***`. Longer secrets go first so a
 * secret containing a shorter one is not left half visible. Empty strings are ignored (they would
 * match everywhere); every other value is redacted, however short, because leaking beats noise.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text === "") return text;
  let out = text;
  for (const secret of [...secrets].filter((s) => s !== "").sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Redacts secrets from every string (keys included) of a JSON value; returns a new value. */
export function redactJson(value: Json, secrets: readonly string[]): Json {
  if (secrets.length === 0) return value;
  if (typeof value === "string") return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, secrets));
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[redactSecrets(k, secrets)] = redactJson(v, secrets);
    return out;
  }
  return value;
}
