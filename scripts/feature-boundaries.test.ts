// A feature under src/features imports itself, ~/features/shared and the UI primitives; another feature
// only along an edge of FEATURE_COMPOSITION (eslint.config.mjs). Each probe is a line a contributor
// might write; the refused ones must be refused, the allowed ones pass.
import { ESLint } from "eslint";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "..");
// The config is untyped JavaScript: imported by URL, its one table typed here.
const { FEATURE_COMPOSITION } = (await import(pathToFileURL(join(repo, "eslint.config.mjs")).href)) as { FEATURE_COMPOSITION: Record<string, readonly string[]> };
const eslint = new ESLint({ cwd: repo });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repo, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

const refused: Array<[string, string, string]> = [
  ["approvals importing runs (the old cycle)", "src/features/approvals/probe.tsx", 'import { formatTime } from "~/features/runs/format";\nexport const f = formatTime;'],
  ["approvals importing a type of runs", "src/features/approvals/probe.ts", 'import type { Run } from "~/features/runs/run-types";\nexport type R = Run;'],
  ["a feature's index", "src/features/approvals/probe.ts", 'import { x } from "~/features/runs";\nexport const y = x;'],
  ["another feature by relative path", "src/features/approvals/probe.ts", 'import { x } from "../runs/format";\nexport const y = x;'],
  ["a re-export of another feature", "src/features/runs/probe.ts", 'export { WorkflowList } from "~/features/workflows/workflow-list";'],
  ["a dynamic import of another feature", "src/features/runs/probe.ts", 'export const load = () => import("~/features/workflows/workflow-list");'],
  ["shared importing a feature", "src/features/shared/probe.ts", 'import { GatePanel } from "~/features/approvals/gate-panel";\nexport const g = GatePanel;'],
  ["a name that only starts like an allowed one", "src/features/runs/probe.ts", 'import { x } from "~/features/approvals-old/x";\nexport const y = x;'],
  ["a UI primitive importing a feature", "src/components/ui/probe.tsx", 'import { formatTime } from "~/features/shared/format";\nexport const f = formatTime;'],
];

const allowed: Array<[string, string, string]> = [
  ["its own feature", "src/features/approvals/probe.ts", 'import { isPending } from "~/features/approvals/approval-types";\nexport const p = isPending;'],
  ["shared code", "src/features/approvals/probe.ts", 'import { formatTime } from "~/features/shared/format";\nexport const f = formatTime;'],
  ["a listed composition (the run page embeds the gate panel)", "src/features/runs/probe.tsx", 'import { GatePanel } from "~/features/approvals/gate-panel";\nexport const g = GatePanel;'],
  ["a page composing features", "src/app/(app)/probe/page.tsx", 'import { RunDetail } from "~/features/runs/run-detail";\nimport { WorkflowList } from "~/features/workflows/workflow-list";\nexport const p = [RunDetail, WorkflowList];'],
];

describe("feature boundaries lint", () => {
  it.each(refused)("refuses %s", async (_what, file, code) => {
    expect(await problems(file, code)).not.toEqual([]);
  });

  it.each(allowed)("allows %s", async (_what, file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });

  it("lists compositions that form no cycle, approvals and shared importing no feature", () => {
    const edges = FEATURE_COMPOSITION;
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycleFrom = (f: string): boolean => {
      if (done.has(f)) return false;
      if (visiting.has(f)) return true;
      visiting.add(f);
      const found = (edges[f] ?? []).some(cycleFrom);
      visiting.delete(f);
      done.add(f);
      return found;
    };
    expect(Object.keys(edges).filter(cycleFrom)).toEqual([]);
    expect(edges["approvals"]).toBeUndefined();
    expect(edges["shared"]).toBeUndefined();
  });
});
