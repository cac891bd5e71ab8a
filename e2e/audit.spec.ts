import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./env";
import { createUser, signIn, signInAsAdmin } from "./helpers";

const auth = { authorization: `Bearer ${E2E.adminToken}` };
const shot = (page: Page, name: string) => (process.env.E2E_SCREENSHOTS ? page.screenshot({ path: `test-results/${name}.png`, fullPage: true }) : undefined);

type Line = { id: number; actor: string; action: string; target: string; targetType: string; targetId: string };

/** A gated run of a fresh workflow, its gate approved by `approver` with their own API token. */
async function decidedGate(request: APIRequestContext, approver: { id: string }) {
  const name = `e2e-audit-gate-${Date.now()}`;
  expect((await request.post("/api/v1/workflows", { headers: auth, data: { yaml: `name: ${name}\nsteps:\n  - { id: review, type: approval }\n` } })).status()).toBe(200);
  const run = (await (await request.post("/api/v1/runs", { headers: auth, data: { workflow: name } })).json()) as { id: string };
  const token = await request.post("/api/v1/tokens", { headers: auth, data: { name: "approver e2e", role: "approver", user: approver.id } });
  expect(token.status(), await token.text()).toBe(200);
  const { secret } = (await token.json()) as { secret: string };
  let gateId: string | undefined;
  for (let i = 0; i < 100 && !gateId; i++) {
    const gates = (await (await request.get(`/api/v1/approvals?runId=${run.id}&status=pending`, { headers: auth })).json()) as { id: string }[];
    gateId = gates[0]?.id;
    if (!gateId) await new Promise((r) => setTimeout(r, 100));
  }
  const decided = await request.post(`/api/v1/approvals/${gateId}/decisions`, { headers: { authorization: `Bearer ${secret}` }, data: { action: "approve", comment: "ship it" } });
  expect(decided.status(), await decided.text()).toBe(200);
  return run.id;
}

async function download(page: Page): Promise<Line[]> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export JSON lines" }).click()]);
  expect(file.suggestedFilename()).toMatch(/^audit-.*\.jsonl$/);
  const path = await file.path();
  const text = readFileSync(path, "utf8");
  return text.trimEnd() ? text.trimEnd().split("\n").map((l) => JSON.parse(l) as Line) : [];
}

test("the audit page filters by action, target, actor and time, and exports what it shows as JSON lines", async ({ page, request }) => {
  // ARRANGE: a user created and disabled, a token, a decided gate.
  const user = await createUser(request, ["viewer"]);
  expect((await request.post(`/api/v1/users/${user.id}/disabled`, { headers: auth, data: { disabled: true } })).status()).toBe(200);
  const approver = await createUser(request, ["approver"]);
  const runId = await decidedGate(request, approver);

  await signInAsAdmin(page);
  await page.goto("/audit");
  const rows = page.getByRole("table", { name: "Audit log" }).getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  const filters = page.getByRole("form", { name: "Audit filters" });

  // One action on one target.
  await filters.getByLabel("Action").selectOption("user.disabled");
  await filters.getByLabel("Target").fill(user.id);
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("user.disabled");
  await expect(rows.first()).toContainText(user.id);
  await expect(rows.first().getByLabel(/^Changes #/)).toContainText("disabled: false → true");
  await shot(page, "audit-filtered");
  const one = await download(page);
  expect(one.map((l) => [l.action, l.targetId])).toEqual([["user.disabled", user.id]]);

  // Every action of a kind, and everything about one run (the run and its gate).
  await filters.getByLabel("Target").fill("");
  await filters.getByLabel("Action").selectOption("user");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(rows.first()).toContainText("user.");
  const users = await download(page);
  expect(users.length).toBeGreaterThanOrEqual(3);
  expect(users.every((l) => l.action.startsWith("user."))).toBe(true);

  await filters.getByLabel("Action").selectOption("");
  await filters.getByLabel("Target").fill(runId);
  await filters.getByRole("button", { name: "Apply" }).click();
  const ofRun = await download(page);
  expect(ofRun.map((l) => l.action).sort()).toEqual(["gate.decided", "gate.opened", "run.started"]);
  await expect(rows).toHaveCount(3);

  // The actor, part of an e-mail.
  await filters.getByLabel("Target").fill("");
  await filters.getByLabel("Actor").fill(approver.email.toUpperCase());
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("gate.decided");

  // A time range with nothing in it.
  await filters.getByRole("button", { name: "Clear" }).click();
  await filters.getByLabel("From").fill("2099-01-01T00:00");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("No audit entries match the filters.")).toBeVisible();
  expect(await download(page)).toEqual([]);

  // Everything, newest first; the chain checks out.
  await filters.getByRole("button", { name: "Clear" }).click();
  await expect(rows.first()).toBeVisible();
  const all = await download(page);
  expect(all.length).toBeGreaterThan(5);
  expect(all.map((l) => l.id)).toEqual([...all.map((l) => l.id)].sort((a, b) => b - a));
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByText(/Chain intact: \d+ rows verified/)).toBeVisible();
  await shot(page, "audit-all");
});

test("an approver sees the team's decisions on gates, and nothing else, on the page and in the export", async ({ page, request }) => {
  const approver = await createUser(request, ["approver"]);
  await decidedGate(request, approver);
  await signIn(page, approver.email, approver.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await expect(page.getByText(/You see the decisions on gates of team/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Verify chain" })).toHaveCount(0);
  const rows = page.getByRole("table", { name: "Audit log" }).getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  const actions = await rows.locator("td:nth-child(4)").allTextContents();
  expect(actions.every((a) => a.startsWith("gate."))).toBe(true);
  expect(actions).toContain("gate.decided");
  await shot(page, "audit-approver");
  const lines = await download(page);
  expect(lines.slice(0, actions.length).map((l) => l.action)).toEqual(actions);
  expect(lines.every((l) => l.action.startsWith("gate."))).toBe(true);
});
