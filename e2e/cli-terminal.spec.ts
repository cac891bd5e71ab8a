/**
 * The real `wf` CLI against the real server: a shell step prints terminal control sequences (window
 * title, screen clear, cursor moves, colours, an 8-bit CSI); `wf run --wait`, `wf logs` and
 * `wf status` print its text without any of them.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { expect, test } from "@playwright/test";
import { E2E } from "./env";

const ROOT = resolve(process.cwd());
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function wf(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, WF_SERVER: E2E.base, WF_TOKEN: E2E.adminToken, WF_POLL_MS: "200" },
  });
}

test("wf run --wait, logs and status print step output without terminal control sequences", async ({ request }) => {
  // printf's octal escapes: ESC ] 0;pwned BEL (title), ESC [2J ESC [H (clear, home), ESC [31m (red),
  // CSI as one 8-bit character (\302\233 is U+009B in UTF-8), CR (overprint), then a failing exit.
  const yaml = [
    "name: noisy-output",
    "steps:",
    "  - id: noisy",
    "    type: shell",
    "    params:",
    `      command: "printf '\\\\033]0;pwned\\\\007\\\\033[2J\\\\033[Hvisible \\\\033[31mred\\\\033[0m \\\\302\\\\2332Jdone\\\\rfake\\\\n'; echo 'plain line'; exit 3"`,
    "",
  ].join("\n");
  const saved = await request.post("/api/v1/workflows", { headers: { authorization: `Bearer ${E2E.adminToken}` }, data: { yaml } });
  expect(saved.status(), await saved.text()).toBe(200);

  const run = wf(["run", "noisy-output", "--wait"]);
  expect(run.status, run.stderr).not.toBe(0);
  const runId = /run (run_[A-Za-z0-9_-]+) failed/.exec(run.stdout)?.[1];
  expect(runId, run.stdout).toBeTruthy();

  const logs = wf(["logs", runId ?? "", "noisy"]);
  expect(logs.status, logs.stderr).toBe(0);
  // the 8-bit CSI went with its "2J"; CR dropped (or the line split there)
  expect(logs.stdout).toMatch(/visible red done/);
  expect(logs.stdout).toContain("fake");
  expect(logs.stdout).toContain("plain line");
  const status = wf(["status", runId ?? ""]);
  for (const out of [run.stdout, run.stderr, logs.stdout, logs.stderr, status.stdout, status.stderr]) {
    expect(out).not.toMatch(CONTROL);
  }
  // --json keeps the bytes, escaped
  const json = wf(["logs", runId ?? "", "noisy", "--json"]);
  expect(json.stdout).not.toMatch(CONTROL);
  const first = JSON.parse(json.stdout.split("\n")[0] ?? "{}") as { text: string };
  expect(first.text).toContain("\u001b]0;pwned\u0007");
});
