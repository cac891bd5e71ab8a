import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHarness } from "~/engine/testing/test-harness";
import { loadWorkflow } from "~/engine/definition/load-workflow";

// CONVENTIONS #11: the shipped workflows are fixtures; each one loads, validates and runs to the end.
const dir = __dirname;
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

describe("workflows/*.yaml", () => {
  it("ships the expected examples", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "api-service-spring-boot.yaml",
        "api-service-express.yaml",
        "pr-processing.yaml",
        "hotfix-deployment.yaml",
        "feature-integration.yaml",
        "project-loop.yaml",
        "hello.yaml",
      ]),
    );
  });

  it.each(files)("%s starts with the schema modeline, validates and runs in auto-approval mode", async (file) => {
    const source = readFileSync(join(dir, file), "utf8");
    expect(source.startsWith("# yaml-language-server: $schema=/schema/workflow.json\n")).toBe(true);
    const result = loadWorkflow(source, { file });
    expect(result.errors).toEqual([]);
    if (!result.ok) return;
    // Outputs the later steps of the examples read (the real steps print them to $WF_OUTPUT).
    const out = (output: Record<string, string | number>) => [{ ok: true as const, output }];
    const h = createHarness({
      greet: out({ greeting: "hello world" }),
      generate: out({ files: 12 }),
      build: out({ artifact: "app.jar", image: "registry/app:1" }),
      unit_tests: out({ coverage: 0.8 }),
      deploy_branch: out({ url: "https://pr.example.com" }),
      qa: out({ status: "pass" }),
      smoke_test: out({ status: "pass" }),
      merge: out({ conflicts: 0 }),
    });
    const runId = await h.engine.startRun(result.definition, { approvalMode: "auto" });
    await h.settle();
    expect((await h.engine.getRun(runId))?.status).toBe("succeeded");
  });
});
