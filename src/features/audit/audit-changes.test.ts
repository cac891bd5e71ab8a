import { describe, expect, it } from "vitest";
import { changedFields, exportUrl, filterParams, shortValue } from "./audit-changes";

describe("changedFields", () => {
  it("lists the keys whose values differ, with both sides", () => {
    expect(changedFields({ email: "a@x.io", disabled: false, roles: ["viewer"] }, { email: "a@x.io", disabled: true, roles: ["viewer"] })).toEqual([{ key: "disabled", before: false, after: true }]);
    expect(changedFields({ roles: ["viewer"] }, { roles: ["viewer", "operator"] })).toEqual([{ key: "roles", before: ["viewer"], after: ["viewer", "operator"] }]);
  });

  it("a created object changes every key of after; a deleted one every key of before", () => {
    expect(changedFields(undefined, { url: "u", enabled: true }).map((c) => c.key)).toEqual(["url", "enabled"]);
    expect(changedFields({ url: "u" }, undefined)).toEqual([{ key: "url", before: "u", after: undefined }]);
    expect(changedFields(null, "not an object")).toEqual([]);
  });
});

describe("shortValue and the export URL", () => {
  it("shortens long and multi-line values", () => {
    expect(shortValue("name: x\nsteps: []\n")).toBe("3 lines");
    expect(shortValue("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
    expect(shortValue(undefined)).toBe("—");
  });

  it("sends only the filters that are set, times as ISO", () => {
    const f = { actor: " ann@ ", action: "", target: "", from: "2025-01-31T09:00", to: "" };
    expect(filterParams(f)).toEqual({ actor: "ann@", from: new Date("2025-01-31T09:00").toISOString() });
    expect(exportUrl({ ...f, action: "gate" })).toBe(`/api/v1/audit?actor=ann%40&action=gate&from=${encodeURIComponent(new Date("2025-01-31T09:00").toISOString())}&order=desc&format=jsonl`);
  });
});
