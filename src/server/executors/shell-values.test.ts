/**
 * How a shell command's values reach a REAL /bin/sh: small ones in the environment, large ones in
 * files read by a prelude (today a 10 MB input failed its step with `spawn E2BIG`), and what
 * cannot be passed at all (argv/env beyond the OS limits, NUL) fails with a clear message.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderShellCommand } from "~/engine/expressions/render-shell-command";
import type { Json } from "~/engine/json";
import type { ExecutionResult } from "~/engine/ports";
import { createShellExecutor } from "./shell-executor";
import { MAX_INLINE_TOTAL_BYTES, MAX_INLINE_VALUE_BYTES } from "./shell-values";

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "wf-shell-values-")));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const executor = createShellExecutor({ dataDir, baseEnv: { PATH: "/usr/local/bin:/usr/bin:/bin" } });

let runs = 0;
function run(params: Json, commandValues?: string[]): Promise<ExecutionResult> {
  const runId = `values-${++runs}`;
  return executor.execute({
    runId,
    stepId: "s",
    attempt: 1,
    stepType: "shell",
    params,
    ...(commandValues ? { commandValues } : {}),
    idempotencyKey: `${runId}:s:1`,
    redact: [],
    signal: new AbortController().signal,
  });
}

/** Renders a template with x = value the way the engine does, and runs it. */
function runTemplate(template: string, x: string, extra: Record<string, Json> = {}): Promise<ExecutionResult> {
  const rendered = renderShellCommand(template, { inputs: { x } });
  if (!rendered.ok) throw new Error(rendered.message);
  return run({ command: rendered.command, ...extra }, rendered.values);
}

const sha256 = (s: string): string => createHash("sha256").update(s, "utf8").digest("hex");
/** Prints bytes and sha256 of one value, into $WF_OUTPUT. */
const MEASURE = 'printf \'{"bytes":%s,"sha":"%s"}\' "$(printf %s {{ inputs.x }} | wc -c)" "$(printf %s {{ inputs.x }} | sha256sum | cut -c1-64)" > "$WF_OUTPUT"';

describe("shell command values", () => {
  it("a 10 MB value (with quotes, $(...) and trailing newlines) arrives byte for byte", async () => {
    const big = `${"'\"$(touch PWNED)`id` \u00e9\n".repeat(400_000).slice(0, 10 * 1024 * 1024)}\n\n`;
    const result = await runTemplate(MEASURE, big);
    expect(result).toEqual({ ok: true, output: { bytes: Buffer.byteLength(big), sha: sha256(big) } });
  });

  it("a large value is read from a 0600 file in a 0700 directory, never exported to the script's children, and removed after", async () => {
    const big = "v".repeat(MAX_INLINE_VALUE_BYTES + 1);
    const script =
      'printf \'{"file":"%s","mode":"%s","dir":"%s","inherited":%s,"len":%s}\' "$WF_VALUE_FILE_0" "$(stat -c %a "$WF_VALUE_FILE_0")" "$(stat -c %a "$(dirname "$WF_VALUE_FILE_0")")" "$(env | grep -c ^WF_VALUE_0=)" "$(printf %s {{ inputs.x }} | wc -c)" > "$WF_OUTPUT"';
    const result = await runTemplate(script, big);
    if (!result.ok) throw new Error(result.error.message);
    const out = result.output as { file: string; mode: string; dir: string; inherited: number; len: number };
    expect(out).toMatchObject({ mode: "600", dir: "700", inherited: 0, len: big.length });
    // Outside the workspace (a step cannot swap it for a link), shown read-only in the sandbox.
    expect(out.file).toMatch(/\/step-values\/values-\d+\/s\.1\/WF_VALUE_0$/);
    expect(existsSync(out.file)).toBe(false);
  });

  it("small values stay in the environment; past the total, the next ones go to files", async () => {
    const third = "c".repeat(MAX_INLINE_VALUE_BYTES);
    const n = Math.floor(MAX_INLINE_TOTAL_BYTES / third.length);
    const template = `${Array.from({ length: n + 1 }, () => "printf %s {{ inputs.x }} >/dev/null;").join(" ")} printf '{"files":"%s"}' "$(env | grep -c ^WF_VALUE_FILE_)" > "$WF_OUTPUT"`;
    expect(await runTemplate(template, third)).toEqual({ ok: true, output: { files: "1" } });
  });

  it("params.env cannot replace a value, nor make a file-backed one exported", async () => {
    const env = { WF_VALUE_0: "from params.env", WF_VALUE_1: "x" };
    const small = await runTemplate("printf '\"%s\"' {{ inputs.x }} > \"$WF_OUTPUT\"", "the input", { env });
    expect(small).toEqual({ ok: true, output: "the input" });
    const big = "b".repeat(MAX_INLINE_VALUE_BYTES + 1);
    const large = await runTemplate('printf \'{"exported":%s,"len":%s}\' "$(env | grep -c ^WF_VALUE_0=)" "$(printf %s {{ inputs.x }} | wc -c)" > "$WF_OUTPUT"', big, { env });
    expect(large).toEqual({ ok: true, output: { exported: 0, len: big.length } });
  });

  it("argv is exact: one element per value, $ and quotes literal", async () => {
    expect(await run({ argv: ["/bin/sh", "-c", 'printf \'"%s"\' "$1" > "$WF_OUTPUT"', "_", "'; touch PWNED; '$(id)"] })).toEqual({ ok: true, output: "'; touch PWNED; '$(id)" });
  });

  it("argv or env beyond what the OS takes, or holding NUL, fails with a message saying what to do", async () => {
    const big = "a".repeat(10 * 1024 * 1024);
    expect(await run({ argv: ["printf", "%s", big] })).toEqual({
      ok: false,
      error: { code: "invalid_params", message: expect.stringMatching(/^shell step: params\.argv\[2\] is 10485760 bytes; .* at most 131071 bytes in one argument: pass large data through params\.command/) },
    });
    expect(await run({ command: "true", env: { BIG: big } })).toMatchObject({ ok: false, error: { code: "invalid_params", message: expect.stringMatching(/params\.env\.BIG is 10485764 bytes/) } });
    expect(await run({ argv: ["echo", "a\u0000b"] })).toMatchObject({ ok: false, error: { code: "invalid_params", message: expect.stringContaining("params.argv[1] contains a NUL character") } });
    // Under the per-string limit but over the total: the spawn's E2BIG, explained.
    const many = Array.from({ length: 40 }, () => "a".repeat(100_000));
    expect(await run({ argv: ["true", ...many] })).toMatchObject({ ok: false, error: { code: "spawn_error", message: expect.stringContaining("larger than the operating system allows (E2BIG)") } });
  });
});
