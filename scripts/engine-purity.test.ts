// The engine stays pure because ESLint refuses every way out of it (CONVENTIONS.md #1, #2). Each probe
// is a line a contributor might write in src/engine; each must be refused, while the allowed forms pass.
import { ESLint } from "eslint";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "..");
const eslint = new ESLint({ cwd: repo });

async function problems(code: string, file = "src/engine/scheduler/probe.ts"): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repo, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

const refused: Array<[string, string]> = [
  ["new Date() without arguments", "export const t = new Date();"],
  ["Date() called", "export const t = Date();"],
  ["Date.now()", "export const t = Date.now();"],
  ["Math.random()", "export const r = Math.random();"],
  ["fetch", 'export const r = fetch("http://x");'],
  ["crypto", "export const r = crypto.randomUUID();"],
  ["performance", "export const r = performance.now();"],
  ["setTimeout", "setTimeout(() => {}, 1);"],
  ["setInterval", "setInterval(() => {}, 1);"],
  ["setImmediate", "setImmediate(() => {});"],
  ["queueMicrotask", "queueMicrotask(() => {});"],
  ["globalThis.setTimeout", "globalThis.setTimeout(() => {}, 1);"],
  ["globalThis.fetch", 'export const r = globalThis.fetch("http://x");'],
  ["globalThis.crypto", "export const r = globalThis.crypto.randomUUID();"],
  ["process", "export const e = process.env;"],
  ["eval", 'export const e = eval("1");'],
  ["a node built-in", 'import { readFileSync } from "node:fs";\nexport const f = readFileSync;'],
  ["server code", 'import { db } from "~/server/db";\nexport const d = db;'],
  ["UI code by alias", 'import { x } from "~/features/runs/x";\nexport const y = x;'],
  ["UI code by relative path", 'import { x } from "../../features/runs/x";\nexport const y = x;'],
  ["Prisma", 'import { PrismaClient } from "@prisma/client";\nexport const p = PrismaClient;'],
];

describe("engine purity lint", () => {
  it.each(refused)("refuses %s", async (_what, code) => {
    expect(await problems(code)).not.toEqual([]);
  });

  it("allows pure code: a given instant, injected ports", async () => {
    const code = [
      "export const at = (ms: number): Date => new Date(ms);",
      "export const iso = (clock: { now(): number }): string => new Date(clock.now()).toISOString();",
    ].join("\n");
    expect(await problems(code)).toEqual([]);
  });

  it("applies only to the engine: the server may use timers", async () => {
    expect(await problems("setTimeout(() => {}, 1);\nexport const t = new Date();", "src/server/worker/probe.ts")).toEqual([]);
  });
});
