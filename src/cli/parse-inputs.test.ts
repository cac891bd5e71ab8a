import { describe, expect, it } from "vitest";
import { parseInputs, parseInputValue } from "./parse-inputs";

describe("parseInputs", () => {
  it("JSON when the value parses, else the string", () => {
    expect(parseInputs(["n=3", "dry=true", "tags=[\"a\",\"b\"]", "cfg={\"x\":1}", "branch=main", "empty=", "nil=null", "ver=\"1.0\""])).toEqual({
      n: 3,
      dry: true,
      tags: ["a", "b"],
      cfg: { x: 1 },
      branch: "main",
      empty: "",
      nil: null,
      ver: "1.0",
    });
  });

  it("only the first = splits key from value", () => {
    expect(parseInputs(["query=a=b"])).toEqual({ query: "a=b" });
    expect(parseInputValue("1.5e3")).toBe(1500);
    expect(parseInputValue("{oops")).toBe("{oops");
  });

  it("--input wins over the inputs file key by key", () => {
    expect(parseInputs(["b=2"], '{"a": 1, "b": 1}')).toEqual({ a: 1, b: 2 });
  });

  it("rejects a pair without a key and a file that is not a JSON object", () => {
    expect(() => parseInputs(["novalue"])).toThrow('--input "novalue": expected key=value');
    expect(() => parseInputs(["=1"])).toThrow("expected key=value");
    expect(() => parseInputs([], "[1]", "in.json")).toThrow("in.json: expected a JSON object of inputs");
    expect(() => parseInputs([], "{", "in.json")).toThrow(/^in\.json: not JSON/);
  });
});
