import { RE2JS } from "re2js";
import type { ExpressionMeter } from "./expression-meter";

/**
 * `matches()` in linear time (issue 13 #6): RE2 semantics, as the CEL specification defines them,
 * through re2js (a pure JS port of RE2). JavaScript's RegExp backtracks: `(a+)+$` on 30 `a`s and a
 * `b` takes seconds. RE2 never backtracks, so its time is at most proportional to
 * (characters × pattern instructions); patterns RE2 cannot run in linear time (backreferences,
 * lookaround) do not compile and fail with a clear error.
 */

/**
 * Worst case of re2js measured here: about 16 ns per character and pattern instruction
 * (`^([a-z]+[0-9]*)+$`, 11 instructions over 256 KiB: 46 ms). Used to refuse, before it runs, a
 * match whose worst case does not fit in what is left of the budget (one call cannot be stopped).
 */
export const RE2_WORST_NS_PER_UNIT = 20;

/** Compiled patterns, bounded: the same pattern is usually matched once per run. */
const compiled = new Map<string, RE2JS>();
const CACHE_LIMIT = 1_000;

export class PatternError extends Error {
  override name = "EvaluationError";
}

/** Compiles a pattern with RE2; throws PatternError naming the pattern and what RE2 refuses. */
export function compilePattern(pattern: string): RE2JS {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, "") : String(err);
    throw new PatternError(
      `matches(): pattern ${JSON.stringify(shorten(pattern))} is not a valid RE2 regular expression (${why}); RE2 has no backreferences or lookaround, see https://github.com/google/re2/wiki/Syntax`,
    );
  }
  if (compiled.size >= CACHE_LIMIT) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

/** `subject.matches(pattern)`: true when the pattern matches anywhere in the subject. */
export function re2Matches(subject: string, pattern: string, meter: ExpressionMeter | undefined): boolean {
  const re = compilePattern(pattern);
  if (meter) {
    const units = subject.length * Math.max(1, re.programSize());
    const worstMs = (units * RE2_WORST_NS_PER_UNIT) / 1e6;
    const left = meter.remainingMs();
    if (worstMs > left) {
      meter.exhaust(`matches() over ${subject.length} characters could take up to ${Math.ceil(worstMs)} ms, more than the ${Math.max(0, Math.floor(left))} ms left`);
    }
    meter.charge(units);
  }
  const result = re.test(subject);
  meter?.check();
  return result;
}

function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
