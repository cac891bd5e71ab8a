import { describe, expect, it } from "vitest";
import { RUN_STATUSES } from "~/engine/status";
import { exitCodeForHttp, exitCodeForRun } from "./exit-codes";

describe("exit codes", () => {
  it("map every run status: 0 succeeded, 1 failed, 3 cancelled, undefined while not finished", () => {
    const table = Object.fromEntries(RUN_STATUSES.map((s) => [s, exitCodeForRun(s)]));
    expect(table).toEqual({
      queued: undefined,
      running: undefined,
      paused: undefined,
      waiting_approval: undefined,
      succeeded: 0,
      failed: 1,
      cancelled: 3,
    });
  });

  it("HTTP 4xx is a usage error (2), anything else a server error (4)", () => {
    expect([400, 401, 403, 404, 409].map(exitCodeForHttp)).toEqual([2, 2, 2, 2, 2]);
    expect([500, 502, 503].map(exitCodeForHttp)).toEqual([4, 4, 4]);
  });
});
