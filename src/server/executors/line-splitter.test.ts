import { describe, expect, it } from "vitest";
import { createLineSplitter } from "./line-splitter";

function collect(holdLength = 100) {
  const lines: [string, number][] = [];
  const splitter = createLineSplitter({ holdLength, onLine: (line, dropped) => lines.push([line, dropped]) });
  return { lines, splitter };
}

describe("line splitter", () => {
  it("splits on newlines, keeps a partial line until end(), strips CRLF", () => {
    const { lines, splitter } = collect();
    splitter.push("one\r\ntw");
    expect(lines).toEqual([["one", 0]]);
    splitter.push("o\n\nthr");
    splitter.push(Buffer.from("ee"));
    splitter.end();
    splitter.end();
    expect(lines).toEqual([["one", 0], ["two", 0], ["", 0], ["three", 0]]);
  });

  it("decodes a UTF-8 character cut between chunks", () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from("héllo ✓\n", "utf8");
    for (const b of bytes) splitter.push(Buffer.from([b]));
    expect(lines).toEqual([["héllo ✓", 0]]);
  });

  it("holds at most holdLength characters of a line and counts the rest", () => {
    const { lines, splitter } = collect(4);
    splitter.push("abcdefgh");
    splitter.push("ij\nkl");
    splitter.end();
    expect(lines).toEqual([["abcd", 6], ["kl", 0]]);
  });

  it("emits nothing for an empty stream", () => {
    const { lines, splitter } = collect();
    splitter.end();
    expect(lines).toEqual([]);
  });
});
