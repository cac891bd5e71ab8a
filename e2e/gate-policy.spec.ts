import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./env";
import { appAlert, signIn, signInAsAdmin } from "./helpers";

//  Gate policy in the browser: N of M, confirmations, who decided what, and what an admin is told.
//
//  quorum:  build (noop, held: min_approvals 2, build.output editable) ──► ship (noop)
//  limited: build (noop, held: approvers roles [approver]) ──► ship
//  stage:   signoff (approval, form: env) ──► ship
//
//  Runs are started by an operator (through its own token), so the admin and the approvers are
//  never their starters.

const admin = { authorization: `Bearer ${E2E.adminToken}` };
const RUN_TIMEOUT = 30_000;

const quorumYaml = (name: string) => `name: ${name}
steps:
  - id: build
    type: noop
    params: { output: { artifact: app.tgz, size: 3 } }
    approval: { message: Two people sign this off, min_approvals: 2, editable: [build.output] }
  - { id: ship, type: noop, needs: [build] }
`;
const limitedYaml = (name: string) => `name: ${name}
steps:
  - { id: build, type: noop, params: { output: { artifact: app.tgz } }, approval: { approvers: { roles: [approver] } } }
  - { id: ship, type: noop, needs: [build] }
`;
const openYaml = (name: string) => `name: ${name}
steps:
  - { id: build, type: noop, params: { output: { artifact: app.tgz } }, approval: {} }
  - { id: ship, type: noop, needs: [build] }
`;
const stageYaml = (name: string) => `name: ${name}
steps:
  - id: signoff
    type: approval
    approval:
      form: [{ name: env, label: Environment, type: select, options: [staging, prod], required: true }]
  - { id: ship, type: noop, needs: [signoff] }
`;

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${++seq}`;

async function user(request: APIRequestContext, roles: string[]) {
  const email = `${roles.join("-")}-${unique("u")}@e2e.test`;
  const res = await request.post("/api/v1/users", { headers: admin, data: { email, password: "password-123", roles, name: `Test ${roles.join("+")}` } });
  expect(res.status(), await res.text()).toBe(200);
  return { id: ((await res.json()) as { id: string }).id, email, password: "password-123" };
}

/** An operator's own token: runs it starts have the operator as their starter. */
async function operatorToken(request: APIRequestContext) {
  const op = await user(request, ["operator"]);
  const res = await request.post("/api/v1/tokens", { headers: admin, data: { name: unique("op"), role: "operator", user: op.id } });
  expect(res.status(), await res.text()).toBe(200);
  return { authorization: `Bearer ${((await res.json()) as { secret: string }).secret}` };
}

async function runOf(request: APIRequestContext, yaml: (n: string) => string, prefix: string, starter: Record<string, string>) {
  const name = unique(prefix);
  const saved = await request.post("/api/v1/workflows", { headers: admin, data: { yaml: yaml(name) } });
  expect(saved.status(), await saved.text()).toBe(200);
  const started = await request.post("/api/v1/runs", { headers: starter, data: { workflow: name } });
  expect(started.status(), await started.text()).toBe(200);
  const runId = ((await started.json()) as { id: string }).id;
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/approvals?status=pending&runId=${runId}`, { headers: admin })).json()) as unknown[]).length, { timeout: RUN_TIMEOUT })
    .toBe(1);
  return { name, runId };
}

async function as(page: Page, who: { email: string; password: string }) {
  await page.context().clearCookies();
  await signIn(page, who.email, who.password);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

const panelOf = (page: Page, step = "build") => page.getByRole("region", { name: `Approval gate: ${step}` });
const runStatus = (page: Page) => page.getByRole("main").getByTestId("run-status").first();

test("N of 2: modify and skip wait for a first approval; the second approver's modify completes it, and the run page shows who decided what", async ({ page, request }) => {
  const op = await operatorToken(request);
  const { runId } = await runOf(request, quorumYaml, "quorum", op);
  const ann = await user(request, ["approver"]);
  const bob = await user(request, ["approver"]);

  // ann: the first of two. Modify and Skip cannot be the first decision.
  await as(page, ann);
  await page.goto(`/runs/${runId}`);
  const panel = panelOf(page);
  await expect(panel).toBeVisible({ timeout: RUN_TIMEOUT });
  await expect(panel.getByTestId("gate-approvals")).toHaveText("0 of 2");
  for (const b of ["Modify", "Skip"]) await expect(panel.getByRole("button", { name: b, exact: true })).toBeDisabled();
  await expect(panel.getByTestId("gate-refusal")).toContainText("This gate needs 2 approvals (0 so far)");
  await panel.getByLabel("Comment").fill("looks right to me");
  await panel.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Approval recorded (1 of 2)" })).toBeVisible();
  await expect(panel.getByTestId("gate-approvals")).toHaveText("1 of 2");
  await expect(panel.getByRole("button", { name: "Approve", exact: true })).toBeDisabled();
  await expect(panel.getByTestId("gate-refusal")).toContainText("You approved this gate already");

  // bob: the second. He edits the output (only build.output is editable) and so completes the gate.
  await as(page, bob);
  await page.goto(`/runs/${runId}`);
  await expect(panel.getByRole("button", { name: "Modify", exact: true })).toBeEnabled({ timeout: RUN_TIMEOUT });
  await panel.getByLabel("Comment").fill("smaller artifact name");
  await panel.getByRole("button", { name: "Modify", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Modify output" });
  await expect(dialog.getByTestId("editable-output")).toHaveText("You may change: build.output");
  await dialog.getByLabel("New output (JSON)").fill(JSON.stringify({ artifact: "app-v2.tgz", size: 3 }, null, 2));
  await dialog.getByRole("button", { name: "Apply and continue" }).click();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });

  // The decided gate on the run page: outcome, both people, their comments, the output diff.
  const decided = page.getByTestId("decided-gate").filter({ hasText: "build" });
  await expect(decided.getByTestId("gate-outcome")).toHaveText("modified");
  await expect(decided).toContainText(`by ${bob.email}`);
  const items = decided.getByTestId("decision");
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toContainText(ann.email);
  await expect(items.nth(0)).toContainText("“looks right to me”");
  await expect(items.nth(1)).toContainText(bob.email);
  await expect(items.nth(1)).toContainText("“smaller artifact name”");
  const diff = items.nth(1).getByLabel("Output diff of build");
  await expect(diff).toContainText('-   "artifact": "app.tgz",');
  await expect(diff).toContainText('+   "artifact": "app-v2.tgz",');
  await page.screenshot({ path: "test-results/gate-decided-run.png", fullPage: true });
});

test("Skip asks first, like Reject; Back changes nothing. A rejection is shown as a failure; decided gates show the form's values and comments", async ({ page, request }) => {
  const op = await operatorToken(request);
  const skipRun = await runOf(request, openYaml, "skip", op);
  const stageRun = await runOf(request, stageYaml, "stage", op);
  const formRun = await runOf(request, stageYaml, "form", op);
  const ann = await user(request, ["approver"]);
  await as(page, ann);

  await page.goto(`/runs/${skipRun.runId}`);
  const panel = panelOf(page);
  await panel.getByRole("button", { name: "Skip", exact: true }).click();
  const ask = page.getByRole("dialog", { name: "Skip this step?" });
  await expect(ask).toContainText("build is marked skipped");
  await ask.getByRole("button", { name: "Back" }).click();
  await expect(ask).toHaveCount(0);
  await expect(panel).toBeVisible();
  await panel.getByRole("button", { name: "Skip", exact: true }).click();
  await page.getByRole("dialog", { name: "Skip this step?" }).getByRole("button", { name: "Yes, skip" }).click();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });

  // A human stage: reject with a comment is shown in red; approve-with-form values show on the decided gate.
  await page.goto(`/runs/${stageRun.runId}`);
  const stage = panelOf(page, "signoff");
  await stage.getByRole("group", { name: "Form" }).getByLabel("Environment").selectOption("staging");
  await stage.getByLabel("Comment").fill("not this week");
  await stage.getByRole("button", { name: "Reject", exact: true }).click();
  await page.getByRole("dialog", { name: "Reject this gate?" }).getByRole("button", { name: "Yes, reject" }).click();
  const alert = appAlert(page).filter({ hasText: "signoff rejected" });
  await expect(alert).toBeVisible();
  await expect(alert).toHaveClass(/bg-red-50/);
  await expect(runStatus(page)).toHaveText("failed", { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId("decided-gate").getByTestId("gate-outcome")).toHaveAttribute("data-tone", "negative");

  await page.goto("/approvals");
  await page.getByRole("tab", { name: "Decided" }).click();
  await page.getByLabel("Workflow", { exact: true }).selectOption(stageRun.name);
  const table = page.getByRole("table", { name: "Decided gates" });
  const outcome = table.getByTestId("gate-outcome");
  await expect(outcome).toHaveText("rejected");
  await expect(outcome).toHaveAttribute("data-tone", "negative");
  await expect(outcome).toHaveClass(/text-red-800/);
  await table.getByRole("button", { name: new RegExp(`^Details of ${stageRun.name}`) }).click();
  const details = table.getByTestId("gate-details");
  await expect(details).toContainText(ann.email);
  await expect(details).toContainText("“not this week”");
  await page.screenshot({ path: "test-results/gate-decided-inbox.png", fullPage: true });

  // An approval with the form: its values on the run page's decided gate and in the Decided tab.
  await page.goto(`/runs/${formRun.runId}`);
  const form = panelOf(page, "signoff");
  await form.getByRole("group", { name: "Form" }).getByLabel("Environment").selectOption("prod");
  await form.getByLabel("Comment").fill("ship it");
  await form.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
  const values = page.getByTestId("decided-gate").getByRole("definition");
  await expect(page.getByTestId("decided-gate").getByTestId("gate-outcome")).toHaveAttribute("data-tone", "positive");
  await expect(page.getByTestId("decided-gate").getByLabel("Form values")).toContainText("env");
  await expect(values).toHaveText(["prod"]);
  await page.goto("/approvals");
  await page.getByRole("tab", { name: "Decided" }).click();
  await page.getByLabel("Workflow", { exact: true }).selectOption(formRun.name);
  await page.getByRole("button", { name: new RegExp(`^Details of ${formRun.name}`) }).click();
  const row = page.getByRole("table", { name: "Decided gates" }).getByTestId("gate-details");
  await expect(row.getByLabel("Form values")).toContainText("prod");
  await expect(row).toContainText("“ship it”");
});

test("a batch decision asks first, naming the gates; Back decides nothing", async ({ page, request }) => {
  const op = await operatorToken(request);
  const one = await runOf(request, openYaml, "batch", op);
  const ann = await user(request, ["approver"]);
  await as(page, ann);
  await page.goto("/approvals");
  await page.getByLabel("Workflow", { exact: true }).selectOption(one.name);
  await page.getByRole("checkbox", { name: `Select ${one.name} / build (${one.runId})` }).check();
  await page.getByRole("button", { name: "Reject selected" }).click();
  const ask = page.getByRole("dialog", { name: "Reject 1 gate?" });
  await expect(ask.getByRole("list", { name: "Selected gates" })).toContainText(`${one.name} / build (${one.runId})`);
  await ask.getByRole("button", { name: "Back" }).click();
  await expect(page.getByRole("status", { name: "Batch results" })).toHaveCount(0);
  const pending = await request.get(`/api/v1/approvals?status=pending&runId=${one.runId}`, { headers: admin });
  expect(((await pending.json()) as unknown[]).length).toBe(1);
  await page.getByRole("button", { name: "Reject selected" }).click();
  await page.getByRole("dialog", { name: "Reject 1 gate?" }).getByRole("button", { name: "Yes, reject 1" }).click();
  await expect(page.getByRole("status", { name: "Batch results" })).toContainText("Rejected 1 of 1.");
});

test("an admin: the badge counts the gates the admin can decide, and a gate limited to approvers says so", async ({ page, request }) => {
  const op = await operatorToken(request);
  const open = await runOf(request, openYaml, "open", op);
  const limited = await runOf(request, limitedYaml, "limited", op);
  await signInAsAdmin(page);

  // The badge: the open gate counts (admins are default approvers), the limited one does not.
  const count = await request.get("/api/v1/approvals/pending-count", { headers: admin });
  const { canDecide } = (await count.json()) as { canDecide: number };
  expect(canDecide).toBeGreaterThanOrEqual(1);
  const link = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Approvals, \d+ pending$/ });
  await expect(link).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("approvals-badge")).toHaveText(/^\d+$/);

  await page.goto("/approvals");
  await page.getByLabel("Workflow", { exact: true }).selectOption(open.name);
  await expect(page.getByTestId("can-decide")).toHaveText("Yes");
  await page.getByLabel("Workflow", { exact: true }).selectOption(limited.name);
  await expect(page.getByTestId("can-decide")).toHaveText("No: Only the approver role may decide this gate (your role: admin).");

  await page.goto(`/runs/${limited.runId}`);
  const panel = panelOf(page);
  await expect(panel.getByTestId("gate-deciders")).toHaveText("approver role");
  await expect(panel.getByTestId("gate-refusal")).toContainText("Only the approver role may decide this gate (your role: admin).");
  for (const b of ["Approve", "Modify", "Retry", "Skip", "Reject"]) await expect(panel.getByRole("button", { name: b, exact: true })).toBeDisabled();
  // An admin holds run control: the run can still be cancelled here.
  await expect(panel.getByRole("button", { name: "Cancel run", exact: true })).toBeEnabled();
  await page.screenshot({ path: "test-results/gate-admin-limited.png", fullPage: true });

  await page.goto(`/runs/${open.runId}`);
  await panelOf(page).getByRole("button", { name: "Approve", exact: true }).click();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
});
