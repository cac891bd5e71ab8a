import { describe, expect, it } from "vitest";
import type { LogLine } from "~/server/store/engine-store";
import { StepLogBuffer } from "./step-log-buffer";

const step = { runId: "r", stepId: "s", attempt: 1 };
const line = (text: string): LogLine => ({ ...step, stream: "stdout", text, at: 1 });

describe("StepLogBuffer", () => {
  it("asks the producer to wait at the high-water mark and lets it go once the queue is taken below half", async () => {
    let asked = 0;
    const buf = new StepLogBuffer({ step, highWater: 4, onHighWater: () => asked++ });
    expect(buf.push(line("1"))).toBeUndefined();
    expect(buf.push(line("2"))).toBeUndefined();
    expect(buf.push(line("3"))).toBeUndefined();
    const wait = buf.push(line("4"));
    expect(wait).toBeInstanceOf(Promise);
    // Same wait for every line pushed meanwhile; the writer is told once.
    expect(buf.push(line("5"))).toBe(wait);
    expect(asked).toBe(1);
    let released = false;
    void wait!.then(() => (released = true));
    expect(buf.take(2).map((l) => l.text)).toEqual(["1", "2"]);
    await Promise.resolve();
    expect(released).toBe(false); // 3 left, above half of 4
    expect(buf.take(1).map((l) => l.text)).toEqual(["3"]);
    await Promise.resolve();
    expect(released).toBe(true);
    expect(buf.finish().map((l) => l.text)).toEqual(["4", "5"]);
  });

  it("stops storing at maxBytes, never asks to wait after that, and ends with one marker counting the rest", () => {
    const buf = new StepLogBuffer({ step, maxBytes: 10, highWater: 2, now: () => 42 });
    expect(buf.push(line("abcd"))).toBeUndefined(); // 5 bytes with its newline
    expect(buf.push(line("é"))).toBeInstanceOf(Promise); // 3 bytes: 8 stored, at the high-water mark
    // 3 more bytes would pass 10: this line and every later one (even a short one) are dropped.
    expect(buf.push(line("xy"))).toBeUndefined();
    expect(buf.push(line(""))).toBeUndefined();
    expect(buf.push(line("zzzz"))).toBeUndefined();
    const rest = buf.finish();
    expect(rest.map((l) => [l.stream, l.text])).toEqual([
      ["stdout", "abcd"],
      ["stdout", "é"],
      ["system", "[log truncated: 3 lines (9 bytes) not stored; this attempt's log reached STEP_LOG_MAX_BYTES (10 bytes)]"],
    ]);
    expect(rest[2]).toMatchObject({ ...step, at: 42 });
    // Finished: nothing more is taken in, and the marker is not repeated.
    expect(buf.push(line("late"))).toBeUndefined();
    expect(buf.finish()).toEqual([]);
  });

  it("keeps lines whose write failed, in front and in order", () => {
    const buf = new StepLogBuffer({ step });
    for (const t of ["1", "2", "3"]) buf.push(line(t));
    const batch = buf.take(2);
    buf.push(line("4"));
    buf.giveBack(batch);
    expect(buf.take(10).map((l) => l.text)).toEqual(["1", "2", "3", "4"]);
  });

  it("stores NUL as U+FFFD (PostgreSQL text cannot hold it; one such line would fail every write)", () => {
    const buf = new StepLogBuffer({ step });
    buf.push(line("a\u0000b"));
    expect(buf.finish()[0]?.text).toBe("a\uFFFDb");
  });

  it("releases a waiting producer when the attempt finishes", async () => {
    const buf = new StepLogBuffer({ step, highWater: 1 });
    const wait = buf.push(line("1"));
    buf.finish();
    await expect(wait).resolves.toBeUndefined();
  });
});
