// Every process of a step starts through spawnSandboxed, so a new executor cannot run code outside
// the sandbox and the limits by accident: ESLint refuses process-spawning imports elsewhere in
// src/server. Each probe is a line a contributor might write in a new executor.
import { ESLint } from "eslint";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "..");
const eslint = new ESLint({ cwd: repo });

async function problems(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repo, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the spawn boundary", () => {
  it.each([
    ["execa", 'import { execa } from "execa";\nexport const run = execa;'],
    ["node:child_process", 'import { spawn } from "node:child_process";\nexport const run = spawn;'],
    ["child_process", 'import { execFile } from "child_process";\nexport const run = execFile;'],
  ])("refuses %s in a new executor", async (_what, code) => {
    const found = await problems(code, "src/server/executors/git-executor.ts");
    expect(found.join("\n")).toContain("spawnSandboxed");
  });

  it("allows it in the sandbox module itself", async () => {
    expect(await problems('import { execa } from "execa";\nexport const run = execa;', "src/server/executors/sandbox/probe.ts")).toEqual([]);
  });
});
