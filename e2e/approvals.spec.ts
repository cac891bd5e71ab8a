import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./env";
import { createUser, signIn, signInAsAdmin } from "./helpers";

//  Approval gates in the browser. Two graphs:
//
//  gated:  build (shell, approval: held for review) ──► ship
//  stage:  build ──► review (type: approval, a human stage) ──► ship
//
//  Runs are started with the admin token, so the admin is their starter and may not approve them:
//  decisions are taken by a separate approver user.

const auth = { authorization: `Bearer ${E2E.adminToken}` };
// Steps run in a real worker: allow for a cold start on a slow machine.
const RUN_TIMEOUT = 30_000;

const gatedYaml = (name: string) => `name: ${name}
description: A build whose result is held for review before shipping
steps:
  - id: build
    type: shell
    params:
      command: "echo building app.tgz; printf '{\\"artifact\\":\\"app.tgz\\",\\"size\\":3}' > \\"$WF_OUTPUT\\""
    approval:
      message: Ship app.tgz to production?
  - { id: ship, type: shell, needs: [build], params: { command: "echo shipped" } }
`;

const stageYaml = (name: string) => `name: ${name}
steps:
  - { id: build, type: noop, params: { output: { artifact: app.tgz } } }
  - { id: review, type: approval, needs: [build] }
  - { id: ship, type: noop, needs: [review] }
`;

let seq = 0;
const uniqueName = (prefix: string) => `${prefix}-${Date.now()}-${++seq}`;

async function saveWorkflow(request: APIRequestContext, yaml: (name: string) => string, name: string) {
  const saved = await request.post("/api/v1/workflows", { headers: auth, data: { yaml: yaml(name) } });
  expect(saved.status(), await saved.text()).toBe(200);
}

/** Starts a run with the admin token (the admin is its starter); returns the run id. */
async function startRun(request: APIRequestContext, workflow: string) {
  const started = await request.post("/api/v1/runs", { headers: auth, data: { workflow } });
  expect(started.status(), await started.text()).toBe(200);
  return ((await started.json()) as { id: string }).id;
}

async function runStatusViaRest(request: APIRequestContext, id: string) {
  const res = await request.get(`/api/v1/runs/${id}`, { headers: auth });
  return ((await res.json()) as { status: string }).status;
}

async function pendingGatesViaRest(request: APIRequestContext, runId: string) {
  const res = await request.get(`/api/v1/approvals?status=pending&runId=${encodeURIComponent(runId)}`, { headers: auth });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as { id: string }[];
}

async function signInAs(page: Page, user: { email: string; password: string }) {
  await signIn(page, user.email, user.password);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

function gatePanel(page: Page, stepId: string) {
  return page.getByRole("region", { name: `Approval gate: ${stepId}` });
}

function runStatus(page: Page) {
  return page.getByRole("main").getByTestId("run-status").first();
}

function toast(page: Page, text: string | RegExp) {
  return page.getByRole("status").filter({ hasText: text });
}

/** Opens the run page and waits for its gate on `stepId` to be shown. */
async function openGate(page: Page, runId: string, stepId = "build") {
  await page.goto(`/runs/${runId}`);
  const panel = gatePanel(page, stepId);
  await expect(panel).toBeVisible({ timeout: RUN_TIMEOUT });
  return panel;
}

type Case = { action: "approve" | "skip" | "reject" | "cancel"; button: string; confirm?: string; toastText: RegExp; end: string };
const SIMPLE: Case[] = [
  { action: "approve", button: "Approve", toastText: /Approved build: the run continues/, end: "succeeded" },
  { action: "skip", button: "Skip", toastText: /build skipped/, end: "succeeded" },
  { action: "reject", button: "Reject", confirm: "Yes, reject", toastText: /build rejected/, end: "failed" },
  { action: "cancel", button: "Cancel run", confirm: "Yes, cancel run", toastText: /Run cancelled at the gate of build/, end: "cancelled" },
];

for (const c of SIMPLE) {
  test(`an approver decides a pending gate with ${c.action}, and the run ends ${c.end}`, async ({ page, request }) => {
    // ARRANGE: a run of the gated workflow, started by the admin, waiting at build's gate
    const name = uniqueName(`gated-${c.action}`);
    await saveWorkflow(request, gatedYaml, name);
    const runId = await startRun(request, name);
    const approver = await createUser(request, ["approver"]);
    await signInAs(page, approver);

    const panel = await openGate(page, runId);
    await expect(panel.getByLabel("Output of build under review")).toContainText('"artifact": "app.tgz"');
    await expect(panel.getByRole("log", { name: "Log tail of build" })).toContainText("building app.tgz");
    await expect(panel.getByRole("list", { name: "Runs next" })).toContainText("ship");
    await expect(panel).toContainText(E2E.adminEmail); // who started it
    await expect(panel).toContainText("Ship app.tgz to production?");
    // Exactly one "Cancel run" on the page while the gate is pending.
    await expect(page.getByRole("button", { name: "Cancel run", exact: true })).toHaveCount(1);
    if (c.action === "approve" && process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "docs/gate.png", fullPage: true });

    // ACT
    await panel.getByLabel("Comment").fill(`e2e ${c.action}`);
    await panel.getByRole("button", { name: c.button, exact: true }).click();
    if (c.confirm) {
      const dialog = page.getByRole("dialog");
      await expect(dialog).toBeVisible();
      await dialog.getByRole("button", { name: c.confirm, exact: true }).click();
    }

    // ASSERT
    await expect(toast(page, c.toastText)).toBeVisible();
    await expect(runStatus(page)).toHaveText(c.end, { timeout: RUN_TIMEOUT });
    await expect(gatePanel(page, "build")).toHaveCount(0);
  });
}

test("an approver modifies the held output as JSON, sees the diff, and the run continues with it", async ({ page, request }) => {
  const name = uniqueName("gated-modify");
  await saveWorkflow(request, gatedYaml, name);
  const runId = await startRun(request, name);
  const approver = await createUser(request, ["approver"]);
  await signInAs(page, approver);
  const panel = await openGate(page, runId);

  await panel.getByRole("button", { name: "Modify", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Modify output" });
  await expect(dialog).toBeVisible();
  const editor = dialog.getByLabel("New output (JSON)");
  await expect(editor).toHaveValue(/"artifact": "app.tgz"/); // prefilled with the output
  await editor.fill('{ "artifact": "app.tgz", "size": ');
  await expect(dialog.getByText(/Invalid JSON/)).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Apply and continue" })).toBeDisabled();
  await editor.fill('{ "artifact": "app-v2.tgz", "size": 3 }');
  const changes = dialog.getByLabel("Changes");
  await expect(changes).toContainText('-   "artifact": "app.tgz",');
  await expect(changes).toContainText('+   "artifact": "app-v2.tgz",');
  await dialog.getByRole("button", { name: "Apply and continue" }).click();

  await expect(toast(page, /Output of build modified/)).toBeVisible();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
  await page.getByRole("table", { name: "Steps" }).getByRole("button", { name: "build", exact: true }).click();
  await expect(page.getByRole("region", { name: "Step build" }).getByLabel("Output of build")).toContainText("app-v2.tgz");
});

test("an approver retries a held step: it runs again, a new gate opens, and approving it finishes the run", async ({ page, request }) => {
  const name = uniqueName("gated-retry");
  await saveWorkflow(request, gatedYaml, name);
  const runId = await startRun(request, name);
  const approver = await createUser(request, ["approver"]);
  await signInAs(page, approver);
  const panel = await openGate(page, runId);
  await expect(panel.getByTestId("gate-panel")).toHaveAttribute("data-attempt", "1");

  await panel.getByRole("button", { name: "Retry", exact: true }).click();
  await expect(toast(page, /build is retried/)).toBeVisible();

  // The step runs again and asks for review again, as attempt 2.
  await expect(gatePanel(page, "build").getByTestId("gate-panel")).toHaveAttribute("data-attempt", "2", { timeout: RUN_TIMEOUT });
  await gatePanel(page, "build").getByRole("button", { name: "Approve", exact: true }).click();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
});

test("the run's starter is refused self-approval in the UI, with the reason", async ({ page, request }) => {
  const name = uniqueName("gated-self");
  await saveWorkflow(request, gatedYaml, name);
  const starter = await createUser(request, ["operator", "approver"]);
  await signInAs(page, starter);

  // Start the run from the workflow page, as this user.
  await page.goto(`/workflows/${name}`);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByRole("dialog", { name: `Run ${name}` }).getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);

  const panel = gatePanel(page, "build");
  await expect(panel).toBeVisible({ timeout: RUN_TIMEOUT });
  await expect(panel.getByTestId("gate-refusal")).toContainText("You started this run: someone else must approve it");
  await expect(panel.getByRole("button", { name: "Approve", exact: true })).toBeDisabled();
  await expect(panel.getByRole("button", { name: "Modify", exact: true })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Cancel run", exact: true })).toHaveCount(1);
  await expect(runStatus(page)).not.toHaveText("succeeded");
});

test("a viewer sees a pending gate and why they cannot decide it, with no decision buttons", async ({ page, request }) => {
  // The e2e database has one team and no API to create another, so team isolation of gates is
  // covered by the service's database tests; here: a user without approval.decide.
  const name = uniqueName("gated-viewer");
  await saveWorkflow(request, gatedYaml, name);
  const runId = await startRun(request, name);
  const viewer = await createUser(request, ["viewer"]);
  await signInAs(page, viewer);

  const panel = await openGate(page, runId);
  await expect(panel.getByTestId("gate-refusal")).toContainText("You need the approver or admin role");
  for (const b of ["Approve", "Modify", "Retry", "Skip", "Reject", "Cancel run"]) {
    await expect(page.getByRole("button", { name: b, exact: true })).toHaveCount(0);
  }
  // The header counts only gates the user can decide: none for a viewer.
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals", exact: true })).toBeVisible();
});

test("three gates are approved in one batch from the inbox, then listed as decided", async ({ page, request }) => {
  const name = uniqueName("stage-batch");
  await saveWorkflow(request, stageYaml, name);
  const runIds = [await startRun(request, name), await startRun(request, name), await startRun(request, name)];
  for (const id of runIds) await expect.poll(async () => (await pendingGatesViaRest(request, id)).length, { timeout: RUN_TIMEOUT }).toBe(1);
  const approver = await createUser(request, ["approver"]);
  await signInAs(page, approver);

  // The header badge counts the gates this approver can decide (others' tests may leave some too).
  const nav = page.getByRole("navigation", { name: "Main" });
  const link = nav.getByRole("link", { name: /^Approvals, \d+ pending$/ });
  await expect(link).toBeVisible();
  const count = Number((await link.getAttribute("aria-label"))?.match(/\d+/)?.[0]);
  expect(count).toBeGreaterThanOrEqual(3);
  await link.click();
  await expect(page).toHaveURL(/\/approvals/);

  await page.getByLabel("Workflow", { exact: true }).selectOption(name);
  const table = page.getByRole("table", { name: "Pending gates" });
  await expect(table.getByTestId("gate-row")).toHaveCount(3);
  await expect(table.getByTestId("can-decide").first()).toHaveText("Yes");
  for (const id of runIds) await table.getByRole("checkbox", { name: `Select ${name} / review (${id})` }).check();
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/approvals-inbox.png", fullPage: true });
  await page.getByRole("button", { name: "Approve selected" }).click();

  const results = page.getByRole("status", { name: "Batch results" });
  await expect(results).toContainText("Approved 3 of 3.");
  for (const id of runIds) await expect(results.getByRole("listitem").filter({ hasText: `${name} / review (${id}): approved` })).toBeVisible();
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/approvals-batch.png", fullPage: true });
  for (const id of runIds) await expect.poll(() => runStatusViaRest(request, id), { timeout: RUN_TIMEOUT }).toBe("succeeded");
  // The badge refreshes every 5 s; with nothing left to decide it is gone.
  await expect(nav.getByRole("link", { name: count > 3 ? `Approvals, ${count - 3} pending` : "Approvals", exact: true })).toBeVisible({ timeout: 15_000 });

  await page.getByRole("tab", { name: "Decided" }).click();
  await page.getByLabel("Workflow", { exact: true }).selectOption(name);
  const decided = page.getByRole("table", { name: "Decided gates" });
  await expect(decided.getByTestId("gate-outcome")).toHaveText(["approved", "approved", "approved"]);
});

test("a batch reports each refused gate with its reason: the admin cannot approve runs the admin started", async ({ page, request }) => {
  const name = uniqueName("stage-refused");
  await saveWorkflow(request, stageYaml, name);
  const runIds = [await startRun(request, name), await startRun(request, name)];
  for (const id of runIds) await expect.poll(async () => (await pendingGatesViaRest(request, id)).length, { timeout: RUN_TIMEOUT }).toBe(1);
  await signInAsAdmin(page);
  await page.goto("/approvals");
  await page.getByLabel("Workflow", { exact: true }).selectOption(name);
  const table = page.getByRole("table", { name: "Pending gates" });
  await expect(table.getByTestId("can-decide")).toHaveText([/^No: You started this run/, /^No: You started this run/]);
  // "I can decide" hides them; unchecked again, select all and try anyway.
  await page.getByLabel("I can decide").check();
  await expect(table).toHaveCount(0);
  await page.getByLabel("I can decide").uncheck();
  await page.getByRole("checkbox", { name: "Select all" }).check();
  await page.getByRole("button", { name: "Approve selected" }).click();

  const results = page.getByRole("status", { name: "Batch results" });
  await expect(results).toContainText("Approved 0 of 2; 2 refused.");
  for (const id of runIds) {
    await expect(results.getByRole("listitem").filter({ hasText: `${name} / review (${id}): refused: You started this run` })).toBeVisible();
  }
  await expect(page.getByRole("table", { name: "Pending gates" }).getByTestId("gate-row")).toHaveCount(2); // still pending
});

test("an admin reads the audit log of decisions and verifies its hash chain", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  const table = page.getByRole("table", { name: "Audit log" });
  await expect(table.getByTestId("audit-row").first()).toBeVisible();
  await page.getByLabel("Action").fill("gate.decided");
  await expect(table.getByTestId("audit-row").first()).toContainText("gate.decided");
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Chain intact: \d+ rows verified/ })).toBeVisible();
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/audit.png", fullPage: true });
});
