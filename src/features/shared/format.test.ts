import { describe, expect, it } from "vitest";
import { formatAge, formatDuration, formatTime, spanOf } from "./format";

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [999.4, "999 ms"],
    [1_000, "1.0 s"],
    [9_950, "9.9 s"],
    [42_000, "42 s"],
    [61_000, "1 m 01 s"],
    [3_599_000, "59 m 59 s"],
    [3_600_000, "1 h 00 m"],
    [90_061_000, "25 h 01 m"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("gives a dash for what is not a duration", () => {
    expect([formatDuration(-1), formatDuration(Number.NaN), formatDuration(Number.POSITIVE_INFINITY)]).toEqual(["—", "—", "—"]);
  });
});

describe("spanOf", () => {
  const start = new Date(10_000);
  it("measures start to end, or start to now while still going, and nothing before a start", () => {
    expect(spanOf(start, new Date(12_500), 99_000)).toBe("2.5 s");
    expect(spanOf(start, null, 15_000)).toBe("5.0 s");
    expect(spanOf(null, null, 15_000)).toBe("—");
  });
});

describe("formatAge", () => {
  const now = 1_000_000_000;
  it.each([
    [0, "0s ago"],
    [59_000, "59s ago"],
    [60_000, "1m ago"],
    [3_600_000, "1h ago"],
    [47 * 3_600_000, "47h ago"],
    [48 * 3_600_000, "2d ago"],
  ])("%d ms ago reads %s", (ago, text) => {
    expect(formatAge(new Date(now - ago), now)).toBe(text);
  });

  it("reads a time slightly in the future (clock skew) as now", () => {
    expect(formatAge(new Date(now + 5_000), now)).toBe("0s ago");
  });
});

describe("formatTime", () => {
  it("gives a dash for no time", () => {
    expect(formatTime(null)).toBe("—");
  });
});
