import { createHash } from "node:crypto";

/** API token secrets are stored as SHA-256: they are long random strings, so no slow hash is needed. */
export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function tokenPrefix(secret: string): string {
  return secret.slice(0, 10);
}
