import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AUDIT_VALUE_MAX_BYTES, auditJson } from "./audit";
import { parseTarget } from "./audit-actions";

describe("auditJson", () => {
  it("redacts secret-named keys at any depth, whatever the caller passed", () => {
    const text = auditJson({ email: "a@x.io", password: "hunter22", nested: [{ passwordHash: "$2b$10$abc", Secret: "whsec_1", tokenHash: "f00", keep: 1 }] });
    expect(JSON.parse(text ?? "null")).toEqual({ email: "a@x.io", password: "[redacted]", nested: [{ passwordHash: "[redacted]", Secret: "[redacted]", tokenHash: "[redacted]", keep: 1 }] });
    expect(text).not.toMatch(/hunter22|\$2b\$|whsec_1|f00/);
  });

  it("keeps a value up to the limit, and replaces a larger one by its size and digest", () => {
    expect(auditJson(undefined)).toBeNull();
    const small = { yaml: "x".repeat(AUDIT_VALUE_MAX_BYTES - 20) };
    expect(auditJson(small)).toBe(JSON.stringify(small));
    const big = { yaml: "x".repeat(AUDIT_VALUE_MAX_BYTES) };
    const full = JSON.stringify(big);
    expect(JSON.parse(auditJson(big) ?? "null")).toEqual({ truncated: true, bytes: full.length, sha256: createHash("sha256").update(full).digest("hex") });
  });
});

describe("parseTarget", () => {
  it("reads typed targets, and the untyped gate targets of older rows as gates", () => {
    expect(parseTarget("run:run_1")).toEqual({ type: "run", id: "run_1" });
    expect(parseTarget("gate:run_1/review#2")).toEqual({ type: "gate", id: "run_1/review#2" });
    expect(parseTarget("run_1/review#1")).toEqual({ type: "gate", id: "run_1/review#1" });
    expect(parseTarget("bogus:thing")).toEqual({ type: "gate", id: "bogus:thing" });
  });
});
