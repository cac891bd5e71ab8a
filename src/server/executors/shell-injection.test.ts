/**
 * Injection corpus against a REAL /bin/sh: a workflow author writes `{{ inputs.x }}` into a shell
 * command in every quoting context; an operator (who may only start runs) picks x. Whatever x is,
 * the command must print x, byte for byte, and run nothing else.
 *
 *   template ──rewriteShellCommand──► script with "${WF_VALUE_0}" ──shell executor──► /bin/sh -c
 *                                    value ──────────────────────► env WF_VALUE_0 (or a file)
 *
 * A control test renders the same templates the way they were rendered before (values pasted into
 * the script) and shows the corpus does attack: payloads run commands and outputs change.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderShellCommand } from "~/engine/expressions/render-shell-command";
import { renderTemplate } from "~/engine/expressions/render-template";
import type { ExecutionResult } from "~/engine/ports";
import { detectSandbox } from "./sandbox/detect-sandbox";
import { createShellExecutor } from "./shell-executor";

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "wf-shell-injection-")));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
// SHELL_SANDBOX=none here: this corpus is about quoting (what reaches /bin/sh), not isolation,
// and its ~1,000 steps would spend most of a minute building sandboxes on 2 cores; the sandbox has
// its own attack suite (sandbox/sandbox.db.test.ts).
const executor = createShellExecutor({ dataDir, baseEnv: { PATH: "/usr/local/bin:/usr/bin:/bin" }, sandbox: detectSandbox({ mode: "none" }) });

/** What an attacker types. Each one, pasted into a script, would run `touch PWNED` or `id`, glob, split or escape. */
const PAYLOADS: readonly string[] = [
  '"; id; "',
  '"; touch PWNED; echo "',
  "$(id)",
  "$(touch PWNED)",
  "`id`",
  "`touch PWNED`",
  "'",
  "'; touch PWNED; '",
  "' ; touch PWNED ; echo '",
  "a\ntouch PWNED\necho b",
  "\ntouch PWNED\n",
  "; touch PWNED",
  "&& touch PWNED",
  "| touch PWNED",
  "> PWNED",
  "$IFS",
  "a${IFS}b",
  "*",
  "?",
  "[ab]*",
  "\\",
  "\\$(touch PWNED)",
  "${PATH}",
  "$HOME",
  "$0 $1 $@",
  "a  b\tc",
  "EOF\ntouch PWNED\nEOF",
  "EOF",
  ")",
  "$((1+1))",
  "~",
  "#",
  "-n",
  "%s %d",
  "!",
  "",
  "trailing newlines\n\n",
  "héllo ✓ \u{1F680}",
  // Larger than the environment takes: passed as a file (shell-values.ts), the same guarantees.
  `${"'; touch PWNED; '$(id)`x`\"".repeat(4_000)}\n`,
];

interface Context {
  name: string;
  /** Writes the value of x to ./out (cwd is the run's workspace). */
  template: string;
  /** What ./out must hold for a payload. */
  expected: (payload: string) => string;
}

const stripTrailingNewlines = (s: string): string => s.replace(/\n+$/, "");
const same = (p: string): string => p;

const CONTEXTS: readonly Context[] = [
  { name: "bare word", template: "printf %s {{ inputs.x }} > out", expected: same },
  { name: "inside a word", template: "printf %s pre{{ inputs.x }}post > out", expected: (p) => `pre${p}post` },
  { name: "double quotes", template: 'printf %s "{{ inputs.x }}" > out', expected: same },
  { name: "single quotes", template: "printf %s '{{ inputs.x }}' > out", expected: same },
  { name: "single quotes with text around", template: "printf '%s' 'a {{ inputs.x }} b' > out", expected: (p) => `a ${p} b` },
  // Command substitution strips trailing newlines: that is sh, not the value.
  { name: "$(…)", template: 'printf %s "$(printf %s {{ inputs.x }})" > out', expected: stripTrailingNewlines },
  { name: "double quotes in $(…)", template: 'printf %s "$(printf %s "{{ inputs.x }}")" > out', expected: stripTrailingNewlines },
  { name: "backticks", template: 'printf %s "`printf %s {{ inputs.x }}`" > out', expected: stripTrailingNewlines },
  { name: "single quotes in backticks", template: "printf %s \"`printf %s '{{ inputs.x }}'`\" > out", expected: stripTrailingNewlines },
  { name: "heredoc", template: "cat > out <<EOF\n{{ inputs.x }}\nEOF", expected: (p) => `${p}\n` },
  // <<- strips the script's leading tabs, never the value's.
  { name: "heredoc with <<-", template: "cat > out <<-EOF\n\tv={{ inputs.x }}\n\tEOF", expected: (p) => `v=${p}\n` },
  { name: "assignment", template: 'v={{ inputs.x }}; printf %s "$v" > out', expected: same },
  { name: "case subject", template: 'case {{ inputs.x }} in *) printf %s {{ inputs.x }} > out;; esac', expected: same },
];

let runs = 0;

/** A fresh workspace holding files a glob would match, then the step; returns what it left. */
async function runIn(command: string, commandValues?: string[]): Promise<{ result: ExecutionResult; out: string | undefined; pwned: boolean; files: string[] }> {
  const runId = `inj-${++runs}`;
  const workspace = join(dataDir, "workspaces", runId);
  mkdirSync(workspace, { recursive: true });
  for (const f of ["a1", "b2"]) writeFileSync(join(workspace, f), "");
  const result = await executor.execute({
    runId,
    stepId: "s",
    attempt: 1,
    stepType: "shell",
    params: { command },
    ...(commandValues ? { commandValues } : {}),
    idempotencyKey: `${runId}:s:1`,
    redact: [],
    signal: new AbortController().signal,
  });
  const outFile = join(workspace, "out");
  const files = readdirSync(workspace).filter((f) => f !== ".wf").sort();
  return { result, out: existsSync(outFile) ? readFileSync(outFile, "utf8") : undefined, pwned: existsSync(join(workspace, "PWNED")), files };
}

const show = (p: string): string => JSON.stringify(p.length > 60 ? `${p.slice(0, 60)}…(${p.length} chars)` : p);

describe("shell command templates: every payload reaches /bin/sh as data, in every context", () => {
  it.each(CONTEXTS)("$name: the command writes exactly the payload and runs nothing else", async ({ template, expected }) => {
    const failures: string[] = [];
    for (const payload of PAYLOADS) {
      const rendered = renderShellCommand(template, { inputs: { x: payload } });
      if (!rendered.ok) throw new Error(`${template}: ${rendered.message}`);
      // The script is the author's text: no byte of the payload is in it.
      if (payload.length > 2 && !template.includes(payload) && rendered.command.includes(payload)) failures.push(`${show(payload)}: pasted into the script`);
      const { result, out, pwned, files } = await runIn(rendered.command, rendered.values);
      if (!result.ok) failures.push(`${show(payload)}: step failed: ${result.error.message}`);
      if (out !== expected(payload)) failures.push(`${show(payload)}: wrote ${show(out ?? "<nothing>")}`);
      if (pwned || files.join(",") !== "a1,b2,out") failures.push(`${show(payload)}: files ${files.join(",")}`);
    }
    expect(failures).toEqual([]);
  });

  it("control: pasted into the script as before, the same corpus runs commands and changes outputs", async () => {
    let ran = 0;
    let wrong = 0;
    for (const { template, expected } of CONTEXTS) {
      let hits = 0;
      for (const payload of PAYLOADS.slice(0, -1)) {
        const pasted = renderTemplate(template, { inputs: { x: payload } });
        if (!pasted.ok || typeof pasted.value !== "string") throw new Error("render failed");
        const { out, pwned } = await runIn(pasted.value);
        if (pwned) ran++;
        if (pwned || out !== expected(payload)) hits++;
      }
      wrong += hits;
      // Every context is attackable the old way: the corpus tests something in each.
      expect({ template, attacked: hits > 0 }).toEqual({ template, attacked: true });
    }
    expect(ran).toBeGreaterThan(20);
    expect(wrong).toBeGreaterThan(100);
  });

  it("a value holding NUL fails the step's start with a message naming the template, not a crash", () => {
    const rendered = renderShellCommand("echo {{ inputs.x }}", { inputs: { x: "a\u0000b" } });
    expect(rendered).toEqual({
      ok: false,
      code: "invalid_params",
      message: expect.stringMatching(/the value of \{\{ inputs\.x \}\} \(at line 1, column 6 of the command\) contains a NUL character/),
    });
  });

  it("a secret in a value is redacted from logs (it is listed for the executor)", () => {
    const rendered = renderShellCommand('curl -H "Authorization: {{ secrets.TOKEN }}" x', { secrets: { TOKEN: "s3cr3t" } });
    expect(rendered).toMatchObject({ ok: true, command: 'curl -H "Authorization: ${WF_VALUE_0}" x', values: ["s3cr3t"], secrets: ["s3cr3t"] });
  });
});
