import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Runs the real launcher as a child process, from a foreign directory, like `npx wf` would.
const bin = join(__dirname, "../../bin/wf.mjs");
const wf = (args: string[], cwd: string) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 60_000 });

describe("wf CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "wf-cli-"));
  const broken = join(dir, "broken.yaml");
  writeFileSync(broken, "name: demo\nsteps:\n  - id: build\n    type: shell\n    needs: [biuld]\n    params: { comand: make }\n");

  it("validate: exit 1 and one file:line:col: message per error", () => {
    const r = wf(["validate", broken], dir);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    // The typo "comand" is the one error of params (not also "needs command or argv").
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringMatching(/broken\.yaml:6:15: unknown field "comand" \(did you mean "command"\?\)/));
    expect(lines).toContainEqual(expect.stringMatching(/broken\.yaml:5:13: step "build" needs unknown step "biuld" \(did you mean "build"\?\)/));
  });

  it("validate --json and a valid file", () => {
    const ok = join(dir, "ok.yaml");
    writeFileSync(ok, "name: ok\nsteps:\n  - { id: a, type: noop }\n");
    const r = wf(["validate", "--json", ok, broken], dir);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; errors: { line: number; col: number; path: string }[] }[];
    expect(report[0]?.valid).toBe(true);
    expect(report[1]?.errors[0]).toMatchObject({ line: 5, col: 13, path: "steps[0].needs[0]" });
    expect(wf(["validate", ok], dir).status).toBe(0);
  });

  it("plan and schema", () => {
    const r = wf(["plan", join(__dirname, "../../workflows/pr-processing.yaml")], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("critical path (5): analyse -> generate_tasks -> deploy_branch -> validate -> security_audit");
    const s = wf(["schema"], dir);
    expect(JSON.parse(s.stdout)).toMatchObject({ type: "object", $id: "/schema/workflow.json" });
  });
});
