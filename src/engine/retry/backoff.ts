import { parseDuration } from "../duration";
import type { RetryPolicy } from "../definition/schema";

/** A retry policy with durations resolved to milliseconds. */
export interface ResolvedRetry {
  max: number;
  backoff: "fixed" | "exponential";
  initialMs: number;
  maxDelayMs: number | undefined;
  /** Fraction of the delay that is randomised, 0..1. */
  jitter: number;
  retryIf: string | undefined;
}

export function resolveRetry(policy: RetryPolicy | undefined): ResolvedRetry | undefined {
  if (!policy || policy.max === 0) return undefined;
  return {
    max: policy.max,
    backoff: policy.backoff,
    initialMs: parseDuration(policy.initial),
    maxDelayMs: policy.max_delay !== undefined ? parseDuration(policy.max_delay) : undefined,
    jitter: policy.jitter === true ? 0.5 : policy.jitter === false ? 0 : policy.jitter,
    retryIf: policy.retry_if,
  };
}

/** FNV-1a, 32 bit: a stable seed from text. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: one deterministic number in [0, 1) from a seed. */
export function seededRandom(seed: string): number {
  let t = (hash(seed) + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * Delay before retry number `retry` (1 for the first retry). Exponential doubles from `initial`
 * and is capped by `max_delay`; jitter removes up to `jitter` of it, drawn from a PRNG seeded with
 * run id + step id + attempt, so a replay computes the same delay (no Math.random in the engine).
 */
export function retryDelay(policy: ResolvedRetry, retry: number, seed: string): number {
  const base = policy.backoff === "fixed" ? policy.initialMs : policy.initialMs * 2 ** Math.max(0, retry - 1);
  const capped = policy.maxDelayMs !== undefined ? Math.min(base, policy.maxDelayMs) : base;
  if (policy.jitter === 0) return Math.round(capped);
  return Math.round(capped * (1 - policy.jitter * seededRandom(seed)));
}
