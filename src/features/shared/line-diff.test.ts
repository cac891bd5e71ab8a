import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { changedLines, lineDiff } from "./line-diff";

describe("lineDiff", () => {
  it("keeps common lines and shows a changed line as removed then added", () => {
    // ARRANGE
    const before = '{\n  "artifact": "app.tgz",\n  "size": 3\n}';
    const after = '{\n  "artifact": "app-v2.tgz",\n  "size": 3\n}';
    // ACT
    const diff = lineDiff(before, after);
    // ASSERT
    expect(diff).toEqual([
      { kind: "same", text: "{" },
      { kind: "del", text: '  "artifact": "app.tgz",' },
      { kind: "add", text: '  "artifact": "app-v2.tgz",' },
      { kind: "same", text: '  "size": 3' },
      { kind: "same", text: "}" },
    ]);
  });

  it("gives only kept lines for equal texts", () => {
    expect(lineDiff("a\nb", "a\nb").every((l) => l.kind === "same")).toBe(true);
  });
});

describe("lineDiff on any two texts", () => {
  /** Length of the longest common subsequence, by the plain table (no head/tail trimming). */
  function lcsLength(a: string[], b: string[]): number {
    const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
    return t[0]![0]!;
  }
  // Few distinct lines, so texts share lines often and the trimming and the table both matter.
  const text = fc.array(fc.constantFrom("a", "b", "c", ""), { maxLength: 12 }).map((l) => l.join("\n"));

  it("rebuilds both texts and keeps as many lines as the longest common subsequence", () => {
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = lineDiff(before, after);
        expect(diff.filter((l) => l.kind !== "add").map((l) => l.text).join("\n")).toBe(before);
        expect(diff.filter((l) => l.kind !== "del").map((l) => l.text).join("\n")).toBe(after);
        expect(diff.filter((l) => l.kind === "same").length).toBe(lcsLength(before.split("\n"), after.split("\n")));
      }),
    );
  });
});

describe("changedLines", () => {
  it("gives only the changed lines, removed with - and added with +, in order", () => {
    // ARRANGE: a large text with one line changed and one added near the end
    const before = Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 150", "line 150 edited").replace("line 199", "line 199\nline 200");
    // ACT / ASSERT
    expect(changedLines(before, after)).toEqual(["-line 150", "+line 150 edited", "+line 200"]);
    expect(changedLines(before, before)).toEqual([]);
  });
});
