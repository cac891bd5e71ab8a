import { describe, expect, it } from "vitest";
import { lineDiff } from "./line-diff";

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
