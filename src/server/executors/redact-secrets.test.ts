import { describe, expect, it } from "vitest";
import { redactJson, redactSecrets } from "./redact-secrets";

describe("redaction", () => {
  it("replaces every occurrence, longest secret first, ignoring empty secrets", () => {
    expect(redactSecrets("a=hunter2 b=hunter2x c=hunter", ["hunter", "hunter2", ""])).toBe("a=*** b=***x c=***");
    expect(redactSecrets("nothing here", [])).toBe("nothing here");
  });

  it("redacts strings and keys of JSON values", () => {
    expect(redactJson({ token: "abc", list: ["xabcx", 1, null], abc: true }, ["abc"])).toEqual({ token: "***", list: ["x***x", 1, null], "***": true });
  });
});
