import { randomBytes, randomUUID } from "node:crypto";

/** Sortable-enough unique ids for rows (UUID v4 is fine at our scale; the prefix tells the kind). */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, "")}`;
}

/** An API token secret: `wf_` + 32 random bytes, base64url. */
export function newTokenSecret(): string {
  return `wf_${randomBytes(32).toString("base64url")}`;
}
