import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { Json } from "~/engine/json";
import { createShellExecutor } from "../shell-executor";

//  base/real/            the data directory on disk
//  base/data -> real     DATA_DIR as configured: through a link
const base = realpathSync(mkdtempSync(join(tmpdir(), "wf-linked-data-")));
mkdirSync(join(base, "real"));
symlinkSync(join(base, "real"), join(base, "data"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it("a DATA_DIR reached through a symbolic link works in the sandbox, params.cwd included", async () => {
  const dataDir = join(base, "data");
  const executor = createShellExecutor({ dataDir, baseEnv: { PATH: "/usr/bin:/bin" } });
  const run = (params: Json) => executor.execute({ runId: "r1", stepId: "s", attempt: 1, stepType: "shell", params, idempotencyKey: "r1:s:1", redact: [], signal: new AbortController().signal });
  expect(await run({ command: 'mkdir -p "$WF_WORKSPACE/sub"; printf \'"%s"\' "$(pwd)" > "$WF_OUTPUT"' })).toEqual({ ok: true, output: join(dataDir, "workspaces", "r1") });
  expect(await run({ command: 'printf \'"%s"\' "$(pwd)" > "$WF_OUTPUT"', cwd: "sub" })).toEqual({ ok: true, output: join(dataDir, "workspaces", "r1", "sub") });
});
