import { describe, expect, it } from "vitest";
import { safeJson, terminalSafe } from "./terminal-safe";

const ESC = "\u001b";
const BEL = "\u0007";

// What a hostile step output or server text may contain, and what must be left of it.
const CORPUS: [string, string, string][] = [
  ["colours", `${ESC}[31mred${ESC}[0m text`, "red text"],
  ["clear screen and home", `${ESC}[2J${ESC}[Hfake: all steps succeeded`, "fake: all steps succeeded"],
  ["cursor up and erase line (rewrites earlier lines)", `ok${ESC}[1A${ESC}[2K${ESC}[999D`, "ok"],
  ["window title (OSC 0, BEL)", `${ESC}]0;pwned${BEL}after`, "after"],
  ["hyperlink (OSC 8, ST)", `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, "click"],
  ["clipboard write (OSC 52)", `${ESC}]52;c;cm0gLXJmIH4K${BEL}x`, "x"],
  ["device status report (answers into stdin)", `${ESC}[6n${ESC}[>c${ESC}Z`, ""],
  ["DCS string", `${ESC}P+q544e${ESC}\\y`, "y"],
  ["8-bit CSI and OSC (C1)", `\u009b31mA\u009d0;t\u0007B`, "AB"],
  ["carriage return and backspace (overprint)", "rm -rf /\rls -la\b\b", "rm -rf /ls -la"],
  ["other C0, DEL", "a\u0000b\u0001c\u007fd\u000be\u000cf", "abcdef"],
  ["unterminated OSC stops at the line end", `${ESC}]0;title\nnext line`, "\nnext line"],
  ["stray ESC", `a${ESC}`, "a"],
  ["keeps newlines, tabs and Unicode", "ä\tß\n日本 ✓", "ä\tß\n日本 ✓"],
];

describe("terminalSafe", () => {
  it.each(CORPUS)("%s", (_name, input, expected) => {
    const out = terminalSafe(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/); // eslint-disable-line no-control-regex
  });

  it("takes linear time on many unterminated sequences", () => {
    const hostile = `${ESC}]`.repeat(200_000) + `${ESC}[`.repeat(200_000);
    const t0 = performance.now();
    expect(terminalSafe(hostile)).toBe("");
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("safeJson", () => {
  it("escapes every control character, keeping the data exact", () => {
    const value = { text: `${ESC}[31mred \u009b2J \u007f \u2028`, n: 1 };
    const json = safeJson(value);
    expect(json).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/); // eslint-disable-line no-control-regex
    expect(json).toContain("\\u001b[31m");
    expect(json).toContain("\\u009b2J");
    expect(JSON.parse(json)).toEqual(value);
  });
});
