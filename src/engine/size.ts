import { EngineError } from "./errors";

/**
 * `512MB`, `2GB`, `1.5GiB`, `65536B`: a number and a unit. Units are binary (1KB = 1KiB = 1024
 * bytes), as in `ulimit` and container runtimes: `2GB` is what a reader of `free -h` expects.
 */
export const SIZE_PATTERN = /^\d+(?:\.\d+)?(?:B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/;
const UNIT_BYTES: Record<string, number> = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Bytes of a size string (or a number of bytes); throws EngineError("invalid_size") when malformed. */
export function parseSize(size: string | number): number {
  if (typeof size === "number") {
    if (!Number.isSafeInteger(size) || size < 0) throw new EngineError("invalid_size", `invalid size ${size}: use a whole number of bytes or e.g. 512MB, 2GB`);
    return size;
  }
  if (!SIZE_PATTERN.test(size)) throw new EngineError("invalid_size", `invalid size "${size}": use e.g. 64MB, 512MB, 2GB (B, KB, MB, GB, TB; binary units)`);
  const unit = size.replace(/^[\d.]+/, "");
  return Math.floor(Number.parseFloat(size) * (UNIT_BYTES[unit[0] ?? "B"] ?? 1));
}

/** Human form of bytes: the largest binary unit that divides it (or one decimal), e.g. 64MB, 1.5GB. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [["TB", 1024 ** 4], ["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]] as const) {
    if (bytes >= size) {
      const n = bytes / size;
      return `${Number.isInteger(n) ? n : n.toFixed(1)}${unit}`;
    }
  }
  return `${bytes}B`;
}
