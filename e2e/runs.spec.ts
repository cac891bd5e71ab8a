import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./env";
import { appAlert, createUser, signIn, signInAsAdmin } from "./helpers";

const auth = { authorization: `Bearer ${E2E.adminToken}` };
// Steps run in a real worker: allow for a cold start on a slow machine.
const RUN_TIMEOUT = 30_000;

let seq = 0;
/** Saves a workflow through REST and starts a run of it with the admin token; returns the run id. */
async function startRunViaRest(request: APIRequestContext, yaml: (name: string) => string, name = `e2e-${Date.now()}-${++seq}`) {
  const saved = await request.post("/api/v1/workflows", { headers: auth, data: { yaml: yaml(name) } });
  expect(saved.status(), await saved.text()).toBe(200);
  const started = await request.post("/api/v1/runs", { headers: auth, data: { workflow: name } });
  expect(started.status(), await started.text()).toBe(200);
  const run = (await started.json()) as { id: string; workflow: string };
  return { id: run.id, workflow: name };
}

const failingYaml = (name: string) => `name: ${name}
description: A shell step that writes to stderr and exits 3
steps:
  - id: boom
    type: shell
    params:
      command: "echo oops >&2; exit 3"
`;

const sleepingYaml = (name: string) => `name: ${name}
description: A step that takes a while, to be cancelled
steps:
  - id: nap
    type: shell
    params:
      command: "echo napping; sleep 60"
`;

function stepRow(page: Page, id: string) {
  return page.getByRole("table", { name: "Steps" }).locator(`tr[data-step="${id}"]`);
}

function runStatus(page: Page) {
  return page.getByRole("main").getByTestId("run-status").first();
}

test("an admin runs hello from its page with an input, and follows both steps to their output and log", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
  await page.getByRole("link", { name: "hello", exact: true }).click();
  await page.getByRole("button", { name: "Run", exact: true }).click();

  const dialog = page.getByRole("dialog", { name: "Run hello" });
  await expect(dialog).toBeVisible();
  const who = dialog.getByLabel(/^who/);
  await expect(who).toHaveValue("world"); // the default is prefilled
  await expect(dialog.getByText("Who to greet")).toBeVisible(); // the description is help text
  await who.fill("e2e tester");
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/run-dialog.png" });
  await expect(dialog.getByLabel("Approval mode")).toHaveValue("interactive");
  await dialog.getByRole("button", { name: "Start run" }).click();

  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByRole("link", { name: "hello@v1" })).toBeVisible();
  await expect(stepRow(page, "greet").getByTestId("step-status")).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
  await expect(stepRow(page, "echo").getByTestId("step-status")).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
  await expect(runStatus(page)).toHaveText("succeeded");

  await stepRow(page, "greet").getByRole("button", { name: "greet" }).click();
  const greet = page.getByRole("region", { name: "Step greet" });
  await expect(greet.getByLabel("Output of greet")).toContainText('"greeting": "hello e2e tester"');
  await expect(greet.getByRole("table", { name: "Attempts of greet" }).getByRole("row")).toHaveCount(2);

  await stepRow(page, "echo").getByRole("button", { name: "echo" }).click();
  const log = page.getByRole("region", { name: "Step echo" }).getByRole("log", { name: "Logs of echo" });
  await expect(log).toContainText("hello e2e tester");
  await expect(page).toHaveURL(/[?&]step=echo/);

  // The run is in the runs list and on the dashboard.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
  const list = page.getByRole("table", { name: "Runs" });
  await expect(list.getByTestId("run-row").first()).toContainText("hello");
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/runs-list.png", fullPage: true });
  await page.getByLabel("Status").selectOption("failed");
  await expect(page).toHaveURL(/status=failed/);
  await expect(page.getByRole("table", { name: "Runs" }).getByText("hello", { exact: true })).toHaveCount(0);
  await page.goto("/");
  await expect(page.getByRole("table", { name: "Latest runs" }).getByTestId("run-row").first()).toBeVisible();
  await expect(page.getByTestId("stat-succeeded")).not.toHaveText("0");
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });
});

test("the Run dialog checks inputs before starting", async ({ page, request }) => {
  const name = `e2e-inputs-${Date.now()}`;
  const yaml = `name: ${name}
description: Typed inputs
inputs:
  count: { type: number, required: true, description: How many }
  tags: { type: array, default: [a] }
  mode: { type: string, enum: [fast, slow], default: fast }
  dry: { type: boolean, default: true }
steps:
  - { id: noop1, type: noop }
`;
  const saved = await request.post("/api/v1/workflows", { headers: auth, data: { yaml } });
  expect(saved.status(), await saved.text()).toBe(200);
  await signInAsAdmin(page);
  await page.goto(`/workflows/${name}`);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Run ${name}` });
  await expect(dialog.getByLabel(/^mode/)).toHaveValue("fast");
  await expect(dialog.getByLabel("dry")).toBeChecked();
  await dialog.getByLabel(/^tags/).fill("{not json");
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(dialog.getByText("count is required.")).toBeVisible();
  await expect(dialog.getByText(/tags is not valid JSON/)).toBeVisible();
  await dialog.getByLabel(/^count/).fill("three");
  await dialog.getByLabel(/^tags/).fill('["x", "y"]');
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(dialog.getByText("count must be a number.")).toBeVisible();
  await dialog.getByLabel(/^count/).fill("3");
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
  await page.getByRole("main").getByText("Inputs", { exact: true }).click();
  await expect(page.getByLabel("Run inputs")).toContainText('"count": 3');
});

test("a failing shell step started over REST shows its error and its stderr line", async ({ page, request }) => {
  const { id } = await startRunViaRest(request, failingYaml);
  await signInAsAdmin(page);
  await page.goto(`/runs/${id}`);
  await expect(runStatus(page)).toHaveText("failed", { timeout: RUN_TIMEOUT });
  const row = stepRow(page, "boom");
  await expect(row.getByTestId("step-status")).toHaveText("failed");
  await expect(row).toContainText(/3/);
  await row.getByRole("button", { name: "boom" }).click();
  const panel = page.getByRole("region", { name: "Step boom" });
  await expect(panel.getByTestId("step-error")).toHaveText("exit code 3: oops");
  await expect(page.getByTestId("run-reason")).toContainText('step "boom" failed');
  const stderr = panel.getByRole("log", { name: "Logs of boom" }).locator('[data-stream="stderr"]');
  await expect(stderr).toHaveText("oops");
  await expect(stderr).toHaveClass(/text-red/);
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/run-failed.png", fullPage: true });
  // A failed run offers Retry to an admin.
  await expect(page.getByRole("button", { name: "Retry", exact: true })).toBeVisible();
});

test("an admin cancels a running run after confirming", async ({ page, request }) => {
  const { id } = await startRunViaRest(request, sleepingYaml);
  await signInAsAdmin(page);
  await page.goto(`/runs/${id}?step=nap`);
  await expect(stepRow(page, "nap").getByTestId("step-status")).toHaveText("running", { timeout: RUN_TIMEOUT });
  await expect(page.getByRole("log", { name: "Logs of nap" })).toContainText("napping");
  await page.getByRole("button", { name: "Cancel run", exact: true }).click();
  const confirm = page.getByRole("dialog", { name: "Cancel this run?" });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Yes, cancel run" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Cancel requested" })).toBeVisible();
  await expect(runStatus(page)).toHaveText("cancelled", { timeout: RUN_TIMEOUT });
  await expect(page.getByRole("button", { name: "Cancel run", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Retry", exact: true })).toBeVisible();
  await expect(appAlert(page)).toHaveCount(0);
});

test("a viewer sees runs but no Run, Cancel or Retry buttons", async ({ page, request }) => {
  const running = await startRunViaRest(request, sleepingYaml);
  const viewer = await createUser(request, ["viewer"]);
  await signIn(page, viewer.email, viewer.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
  const row = page.getByRole("table", { name: "Runs" }).getByTestId("run-row").filter({ hasText: running.workflow });
  await expect(row).toBeVisible();
  await row.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${running.id}`));
  await expect(stepRow(page, "nap").getByTestId("step-status")).toHaveText("running", { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId("read-only")).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel run", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Pause", exact: true })).toHaveCount(0);

  await page.goto("/workflows/hello");
  await expect(page.getByTestId("read-only")).toBeVisible();
  await expect(page.getByRole("button", { name: "Run", exact: true })).toHaveCount(0);

  // Clean up: the admin token cancels the sleeping run so it does not hold a worker slot.
  const cancelled = await request.post(`/api/v1/runs/${running.id}/cancel`, { headers: auth, data: {} });
  expect(cancelled.status()).toBe(200);
});

const fanOutYaml = (name: string) => `name: ${name}
description: Build once, check in parallel, then package
steps:
  - id: checkout
    type: shell
    params: { command: "echo cloning service@main; echo checked out 42 files" }
  - id: build
    type: shell
    needs: [checkout]
    params:
      command: "echo compiling 42 files; echo built in 1.2s; printf '{\\"artifact\\":\\"dist/service.tgz\\",\\"size\\":18234}' > \\"$WF_OUTPUT\\""
  - id: unit
    type: shell
    needs: [build]
    params: { command: "echo 128 tests passed" }
  - id: lint
    type: shell
    needs: [build]
    params: { command: "echo 'warning: unused import in src/app.ts' >&2; echo lint ok" }
  - id: package
    type: shell
    needs: [unit, lint]
    params: { command: "echo packaged dist/service.tgz" }
`;

test("a fan-out run shows its steps in order and as a graph", async ({ page, request }) => {
  const { id } = await startRunViaRest(request, fanOutYaml, "build-and-ship");
  await signInAsAdmin(page);
  await page.setViewportSize({ width: 1360, height: 940 });
  await page.goto(`/runs/${id}?step=build`);
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
  await expect(page.getByRole("table", { name: "Steps" }).locator("tr[data-step]")).toHaveCount(5);
  const graph = page.getByRole("figure", { name: "Step graph" });
  for (const step of ["checkout", "build", "unit", "lint", "package"]) {
    await expect(graph.getByRole("button", { name: `${step} in graph, succeeded` })).toBeVisible();
  }
  await expect(page.getByLabel("Output of build")).toContainText('"artifact": "dist/service.tgz"');
  await expect(page.getByRole("log", { name: "Logs of build" })).toContainText("built in 1.2s");
  await graph.getByRole("button", { name: /^lint in graph/ }).click();
  await expect(page).toHaveURL(/[?&]step=lint/);
  await expect(page.getByRole("log", { name: "Logs of lint" }).locator('[data-stream="stderr"]')).toHaveText("warning: unused import in src/app.ts");
  // `E2E_SCREENSHOTS=1` refreshes the README's picture of the run page.
  if (process.env.E2E_SCREENSHOTS) {
    await graph.getByRole("button", { name: /^build in graph/ }).click();
    await expect(page.getByRole("log", { name: "Logs of build" })).toContainText("built in 1.2s");
    await page.screenshot({ path: "docs/run.png", fullPage: true });
  }
});
