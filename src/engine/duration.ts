import { EngineError } from "./errors";

/** `250ms`, `30s`, `10m`, `1h30m`, `2d`: units in any order, each once or more. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration string; throws EngineError("invalid_duration") when malformed. */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new EngineError("invalid_duration", `invalid duration "${text}": use e.g. 250ms, 30s, 10m, 1h, 1h30m`);
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? "ms"] ?? 1);
  }
  return total;
}

/** Human form of milliseconds, the inverse of parseDuration for whole units. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join("");
}
