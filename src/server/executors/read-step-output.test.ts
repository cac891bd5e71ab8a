import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Json } from "~/engine/json";
import { createShellExecutor } from "./shell-executor";

//  base/data/workspaces/<run>/...   the step's own files
//  base/outside/stolen.json          {"stolen":"server secret"}: never a step's output
const base = realpathSync(mkdtempSync(join(tmpdir(), "wf-step-output-")));
const dataDir = join(base, "data");
const outside = join(base, "outside");
mkdirSync(outside, { recursive: true });
writeFileSync(join(outside, "stolen.json"), '{"stolen":"server secret"}');
mkdirSync(join(outside, "elsewhere"));
writeFileSync(join(outside, "elsewhere", "s.1.output.json"), '{"stolen":"server secret"}');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const executor = createShellExecutor({ dataDir, baseEnv: process.env });
let n = 0;
const run = (command: string) => {
  const runId = `out-${++n}`;
  return executor.execute({ runId, stepId: "s", attempt: 1, stepType: "shell", params: { command } as Json, idempotencyKey: `${runId}:s:1`, redact: [], signal: new AbortController().signal });
};

describe("$WF_OUTPUT is read only from the step's own regular file", () => {
  it("a link to a file outside is refused, and its content is not quoted", async () => {
    const r = await run(`ln -sf "${join(outside, "stolen.json")}" "$WF_OUTPUT"`);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain("server secret");
    expect(r).toMatchObject({ ok: false, error: { code: "invalid_output", message: expect.stringContaining("not a regular file") } });
  });

  it("a .wf directory replaced by a link is not followed (no output rather than another file's)", async () => {
    const r = await run(`mv "$WF_WORKSPACE/.wf" "$WF_WORKSPACE/.wf-old"; ln -s "${join(outside, "elsewhere")}" "$WF_WORKSPACE/.wf"`);
    expect(JSON.stringify(r)).not.toContain("server secret");
    expect(r.ok).toBe(false);
  });

  it("a FIFO in its place fails the step at once instead of hanging the worker", async () => {
    const t0 = performance.now();
    const r = await run(`rm -f "$WF_OUTPUT"; mkfifo "$WF_OUTPUT"`);
    expect(r).toMatchObject({ ok: false, error: { code: "invalid_output" } });
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it("an ordinary file still works", async () => {
    expect(await run(`echo '{"ok":true}' > "$WF_OUTPUT"`)).toEqual({ ok: true, output: { ok: true } });
  });
});
