import { describe, expect, it } from "vitest";
import { gateName, inboxRows, toggled } from "./inbox-rows";

const now = 10 * 3_600_000;
const gate = (id: string, over: Partial<{ status: string; workflow: string; ageMs: number; mine: boolean }> = {}) => ({
  id,
  status: over.status ?? "pending",
  workflow: over.workflow ?? "deploy",
  requestedAt: new Date(now - (over.ageMs ?? 0)),
  canDecide: over.mine === false ? { ok: false, reason: "not yours" } : { ok: true },
});
const all = { workflow: "", minAge: 0, mine: false };

describe("inboxRows", () => {
  const list = [gate("a"), gate("b", { workflow: "build", ageMs: 2 * 3_600_000, mine: false }), gate("c", { status: "approved" }), gate("d", { workflow: "audit", ageMs: 600_000 })];

  it("keeps the tab's gates only and lists their workflows sorted", () => {
    expect(inboxRows(list, "pending", all, now)).toMatchObject({ workflows: ["audit", "build", "deploy"], rows: [{ id: "a" }, { id: "b" }, { id: "d" }] });
    expect(inboxRows(list, "decided", all, now).rows.map((g) => g.id)).toEqual(["c"]);
  });

  it("filters by workflow, minimum age and whether the caller may decide", () => {
    expect(inboxRows(list, "pending", { ...all, workflow: "build" }, now).rows.map((g) => g.id)).toEqual(["b"]);
    expect(inboxRows(list, "pending", { ...all, minAge: 5 * 60_000 }, now).rows.map((g) => g.id)).toEqual(["b", "d"]);
    expect(inboxRows(list, "pending", { ...all, minAge: 3_600_000 }, now).rows.map((g) => g.id)).toEqual(["b"]);
    expect(inboxRows(list, "pending", { ...all, mine: true }, now).rows.map((g) => g.id)).toEqual(["a", "d"]);
  });
});

describe("gateName and toggled", () => {
  it("names a gate by workflow, step and run", () => {
    expect(gateName({ workflow: "deploy", stepId: "approve", runId: "run_1" })).toBe("deploy / approve (run_1)");
  });

  it("adds an id that is missing and removes one that is there, leaving the set given alone", () => {
    const set = new Set(["a"]);
    expect([...toggled(set, "b")]).toEqual(["a", "b"]);
    expect([...toggled(set, "a")]).toEqual([]);
    expect([...set]).toEqual(["a"]);
  });
});
