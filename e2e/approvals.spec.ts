import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./env";
import { appAlert, createUser, signIn, signInAsAdmin } from "./helpers";

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

// build prints app.tgz, or app-$VERSION.tgz when a retry sets VERSION (editable at its gate); ship
// says where it shipped ($TARGET, editable too). Nothing else is editable: approvers do not write code.
const BUILD = `echo building app\${VERSION:+-$VERSION}.tgz; printf '{"artifact":"app%s.tgz","size":3}' "\${VERSION:+-$VERSION}" > "$WF_OUTPUT"; echo "build report $WF_ATTEMPT" > "$WF_ARTIFACTS/report.txt"`;
const gatedYaml = (name: string) => `name: ${name}
description: A build whose result is held for review before shipping
steps:
  - id: build
    type: shell
    params:
      command: ${JSON.stringify(BUILD)}
    approval:
      message: Ship app.tgz to production?
      editable: [build.output, build.params.env.VERSION, ship.params.env.TARGET]
  - { id: ship, type: shell, needs: [build], params: { command: "echo shipped to $TARGET", env: { TARGET: prod } } }
`;

//  form:   signoff (type: approval, a form) ──► ship (noop: output from the form's values)
const formYaml = (name: string) => `name: ${name}
steps:
  - id: signoff
    type: approval
    approval:
      message: Where does it go?
      form:
        - { name: env, label: Environment, type: select, options: [staging, prod], required: true }
        - { name: replicas, label: Replicas, type: number, default: 2 }
        - { name: notes, label: Release notes, type: text }
        - { name: smoke, label: Run smoke tests, type: boolean, default: true }
  - id: ship
    type: noop
    needs: [signoff]
    params: { output: { target: "{{ steps.signoff.output.env }}", replicas: "{{ steps.signoff.output.replicas }}", notes: "{{ steps.signoff.output.notes }}" } }
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

/** A fresh workflow from `yaml`, one run of it, a new user with `roles` signed in, its gate open. */
async function gateAs(page: Page, request: APIRequestContext, o: { name: string; yaml: (name: string) => string; roles: string[]; stepId?: string }) {
  const name = uniqueName(o.name);
  await saveWorkflow(request, o.yaml, name);
  const runId = await startRun(request, name);
  const user = await createUser(request, o.roles);
  await signInAs(page, user);
  return { runId, user, panel: await openGate(page, runId, o.stepId) };
}

// Reject and cancel end as failures: their message is shown as one (role=alert, red), never green.
type Case = { action: "approve" | "skip" | "reject" | "cancel"; button: string; confirm?: string; toastText: RegExp; failure?: boolean; end: string; roles: string[] };
const SIMPLE: Case[] = [
  { action: "approve", button: "Approve", toastText: /Approved build: the run continues/, end: "succeeded", roles: ["approver"] },
  { action: "skip", button: "Skip", confirm: "Yes, skip", toastText: /build skipped/, end: "succeeded", roles: ["approver"] },
  { action: "reject", button: "Reject", confirm: "Yes, reject", toastText: /build rejected/, failure: true, end: "failed", roles: ["approver"] },
  // Cancelling a run at its gate needs run control, as cancelling it anywhere does.
  { action: "cancel", button: "Cancel run", confirm: "Yes, cancel run", toastText: /Run cancelled at the gate of build/, failure: true, end: "cancelled", roles: ["approver", "operator"] },
];

for (const c of SIMPLE) {
  test(`an approver decides a pending gate with ${c.action}, and the run ends ${c.end}`, async ({ page, request }) => {
    // ARRANGE: a run of the gated workflow, started by the admin, waiting at build's gate
    const name = uniqueName(`gated-${c.action}`);
    await saveWorkflow(request, gatedYaml, name);
    const runId = await startRun(request, name);
    const approver = await createUser(request, c.roles);
    await signInAs(page, approver);

    const panel = await openGate(page, runId);
    await expect(panel.getByLabel("Output of build under review")).toContainText('"artifact": "app.tgz"');
    await expect(panel.getByRole("log", { name: "Log tail of build" })).toContainText("building app.tgz");
    await expect(panel.getByRole("list", { name: "Runs next" })).toContainText("ship");
    await expect(panel).toContainText(E2E.adminEmail); // who started it
    await expect(panel).toContainText("Ship app.tgz to production?");
    // One "Cancel run" on the page while the gate is pending, for those with run control only.
    await expect(page.getByRole("button", { name: "Cancel run", exact: true })).toHaveCount(c.roles.includes("operator") ? 1 : 0);
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
    if (c.failure) {
      const alert = appAlert(page).filter({ hasText: c.toastText });
      await expect(alert).toBeVisible();
      await expect(alert).toHaveClass(/bg-red-50/);
    } else await expect(toast(page, c.toastText)).toBeVisible();
    await expect(runStatus(page)).toHaveText(c.end, { timeout: RUN_TIMEOUT });
    await expect(gatePanel(page, "build")).toHaveCount(0);
  });
}

test("an approver modifies the held output as JSON, sees the diff, and the run continues with it", async ({ page, request }) => {
  const { panel } = await gateAs(page, request, { name: "gated-modify", yaml: gatedYaml, roles: ["approver"] });

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
  const { panel } = await gateAs(page, request, { name: "gated-retry", yaml: gatedYaml, roles: ["approver"] });
  await expect(panel.getByTestId("gate-panel")).toHaveAttribute("data-attempt", "1");

  await panel.getByRole("button", { name: "Retry", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Retry step" });
  await expect(dialog.getByLabel("Params of build (shell, JSON)")).toHaveValue(/echo building app/);
  await dialog.getByRole("button", { name: "Run again", exact: true }).click();
  await expect(toast(page, /build is retried/)).toBeVisible();

  // The step runs again and asks for review again, as attempt 2.
  await expect(gatePanel(page, "build").getByTestId("gate-panel")).toHaveAttribute("data-attempt", "2", { timeout: RUN_TIMEOUT });
  await gatePanel(page, "build").getByRole("button", { name: "Approve", exact: true }).click();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
});

test("an approver retries with edited params: invalid ones are refused, then the step runs with the new ones and gates again", async ({ page, request }) => {
  const { panel } = await gateAs(page, request, { name: "gated-retry-params", yaml: gatedYaml, roles: ["approver"] });

  await panel.getByRole("button", { name: "Retry", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Retry step" });
  const editor = dialog.getByLabel("Params of build (shell, JSON)");
  await editor.fill('{ "command": ');
  await expect(dialog.getByText(/Invalid JSON/)).toBeVisible();
  await expect(dialog.getByRole("button", { name: /^Run again/ })).toBeDisabled();
  // Valid JSON, but not valid shell params: the server names the field.
  await expect(dialog).toContainText("You may change: build.params.env.VERSION");
  // Valid JSON, but a field the gate does not let approvers change: the server names it.
  await editor.fill(JSON.stringify({ command: "id" }));
  await dialog.getByRole("button", { name: "Run again with these params" }).click();
  await expect(appAlert(page).filter({ hasText: /Could not retry: build.params.command is not editable at this gate/ })).toBeVisible();
  // An editable one with a value that does not fit the step type: named too.
  await panel.getByRole("button", { name: "Retry", exact: true }).click();
  await dialog.getByLabel("Params of build (shell, JSON)").fill(JSON.stringify({ command: BUILD, env: { VERSION: 2 } }));
  await dialog.getByRole("button", { name: "Run again with these params" }).click();
  await expect(appAlert(page).filter({ hasText: /Could not retry: Invalid params for step "build" \(shell\) at params.env.VERSION/ })).toBeVisible();

  await panel.getByRole("button", { name: "Retry", exact: true }).click();
  await dialog.getByLabel("Params of build (shell, JSON)").fill(JSON.stringify({ command: BUILD, env: { VERSION: "v2" } }));
  await expect(dialog.getByLabel("Changes to the params")).toContainText('"VERSION": "v2"');
  await dialog.getByRole("button", { name: "Run again with these params" }).click();
  await expect(toast(page, /build is retried/)).toBeVisible();

  const again = gatePanel(page, "build");
  await expect(again.getByTestId("gate-panel")).toHaveAttribute("data-attempt", "2", { timeout: RUN_TIMEOUT });
  await expect(again.getByLabel("Output of build under review")).toContainText('"artifact": "app-v2.tgz"');
  await again.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
});

test("an approver changes the next step's params in Modify: bad params are refused, the diff is recorded, and the run uses the new ones", async ({ page, request }) => {
  const { runId, panel } = await gateAs(page, request, { name: "gated-modify-next", yaml: gatedYaml, roles: ["approver"] });

  await panel.getByRole("button", { name: "Modify", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Modify output" });
  const ship = dialog.getByLabel("Params of ship (shell, JSON)");
  await expect(ship).toHaveValue(/"command": "echo shipped to \$TARGET"/);
  await expect(dialog).toContainText("You may change: ship.params.env.TARGET");
  // An approver may not set the next step's command: refused, naming the field.
  await ship.fill(JSON.stringify({ command: "id", env: { TARGET: "prod" } }));
  await dialog.getByRole("button", { name: "Apply and continue" }).click();
  await expect(appAlert(page).filter({ hasText: /Could not modify: ship.params.command is not editable at this gate/ })).toBeVisible();

  await panel.getByRole("button", { name: "Modify", exact: true }).click();
  await dialog.getByLabel("Params of ship (shell, JSON)").fill(JSON.stringify({ command: "echo shipped to $TARGET", env: { TARGET: "canary" } }));
  const changes = dialog.getByLabel("Changes to ship");
  await expect(changes).toContainText('-     "TARGET": "prod"');
  await expect(changes).toContainText('+     "TARGET": "canary"');
  await dialog.getByRole("button", { name: "Apply and continue" }).click();
  await expect(toast(page, /Params of ship changed: the run continues with them/)).toBeVisible();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });

  // The run used them; the output of build is unchanged.
  const logs = await request.get(`/api/v1/runs/${runId}/steps/ship/logs`, { headers: auth });
  expect(((await logs.json()) as { lines: { text: string }[] }).lines.map((l) => l.text)).toContain("shipped to canary");
  const gates = await request.get(`/api/v1/approvals?runId=${encodeURIComponent(runId)}`, { headers: auth });
  const [decided] = (await gates.json()) as { output: unknown; decisions: { action: string; nextParams?: Record<string, { before: unknown; after: unknown }> }[] }[];
  expect(decided?.output).toEqual({ artifact: "app.tgz", size: 3 });
  expect(decided?.decisions[0]).toMatchObject({
    action: "modify",
    nextParams: { ship: { before: { command: "echo shipped to $TARGET", env: { TARGET: "prod" } }, after: { command: "echo shipped to $TARGET", env: { TARGET: "canary" } } } },
  });
});

test("a human stage's form: the approver fills it, a missing required field is refused by name, and downstream reads the values", async ({ page, request }) => {
  const { panel } = await gateAs(page, request, { name: "stage-form", yaml: formYaml, roles: ["approver"], stepId: "signoff" });
  await expect(panel).toContainText("Where does it go?");

  const form = panel.getByRole("group", { name: "Form" });
  await expect(form.getByLabel("Replicas")).toHaveValue("2"); // the default
  await expect(form.getByLabel("Run smoke tests")).toBeChecked();
  // Environment is required: the browser would block an empty select in a real <form>, so the
  // server's refusal is what the user sees here.
  await panel.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(appAlert(page).filter({ hasText: /Could not approve: Form: "Environment" \(env\) is required/ })).toBeVisible();
  await expect(runStatus(page)).not.toHaveText("succeeded");

  await form.getByLabel("Environment").selectOption("prod");
  await form.getByLabel("Replicas").fill("3");
  await form.getByLabel("Release notes").fill("after the freeze");
  await form.getByLabel("Run smoke tests").uncheck();
  await panel.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(toast(page, /Approved signoff: the run continues/)).toBeVisible();
  await expect(runStatus(page)).toHaveText("succeeded", { timeout: RUN_TIMEOUT });

  await page.getByRole("table", { name: "Steps" }).getByRole("button", { name: "signoff", exact: true }).click();
  const output = page.getByRole("region", { name: "Step signoff" }).getByLabel("Output of signoff");
  await expect(output).toContainText('"env": "prod"');
  await expect(output).toContainText('"replicas": 3');
  await expect(output).toContainText('"smoke": false');
  await page.getByRole("table", { name: "Steps" }).getByRole("button", { name: "ship", exact: true }).click();
  await expect(page.getByRole("region", { name: "Step ship" }).getByLabel("Output of ship")).toContainText('"target": "prod"');
});

test("a pending gate lists the files the step left in $WF_ARTIFACTS; they download, and paths outside answer 404", async ({ page, request }) => {
  const { runId, panel } = await gateAs(page, request, { name: "gated-artifacts", yaml: gatedYaml, roles: ["viewer"] });

  const list = panel.getByRole("list", { name: "Artifacts of build" });
  await expect(list).toContainText("report.txt");
  await expect(list).toContainText("15 B");
  const link = list.getByRole("link", { name: "report.txt" });
  const href = await link.getAttribute("href");
  expect(href).toBe(`/api/v1/runs/${runId}/steps/build/artifacts/1/report.txt`);
  const download = page.waitForEvent("download");
  await link.click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("report.txt");
  // The signed-in viewer's session downloads it; escapes and strangers get 404 / 401.
  const got = await page.request.get(href ?? "");
  expect(got.status()).toBe(200);
  expect(await got.text()).toBe("build report 1\n");
  for (const bad of ["..%2F..%2F..%2Fapp.db", "%2E%2E/%2E%2E/%2E%2E/app.db", "..%5C..%5Capp.db", "missing.txt"]) {
    const r = await page.request.get(`/api/v1/runs/${runId}/steps/build/artifacts/1/${bad}`);
    expect(r.status(), bad).toBe(404);
  }
  expect((await request.get(href ?? "")).status()).toBe(401);

  // The run page's step panel lists them too.
  await page.getByRole("table", { name: "Steps" }).getByRole("button", { name: "build", exact: true }).click();
  await expect(page.getByRole("region", { name: "Step build" }).getByRole("list", { name: "Artifacts of build" })).toContainText("report.txt");
});

test("a user of another team sees nothing: no runs, no gates, no audit rows, and direct URLs answer not found", async ({ page, request }) => {
  // ARRANGE: a pending gate in the first team (the e2e admin's), then a second team from Admin.
  const name = uniqueName("gated-isolation");
  await saveWorkflow(request, gatedYaml, name);
  const runId = await startRun(request, name);
  const [gate] = await (async () => {
    await expect.poll(async () => (await pendingGatesViaRest(request, runId)).length, { timeout: RUN_TIMEOUT }).toBe(1);
    return pendingGatesViaRest(request, runId);
  })();
  const team = uniqueName("Team");
  const other = { email: `boss-${Date.now()}@other.test`, password: "password-other-1" };
  await signInAsAdmin(page);
  await page.goto("/admin");
  const form = page.getByRole("form", { name: "Create team" });
  await form.getByLabel("Team name").fill(team);
  await form.getByLabel("Admin e-mail").fill(other.email);
  await form.getByLabel("Admin password").fill(other.password);
  await form.getByRole("button", { name: "Create team" }).click();
  await expect(page.getByText(`Team ${team} created; its admin is ${other.email}.`)).toBeVisible();
  await page.context().clearCookies();

  // ACT: the other team's admin signs in
  await signInAs(page, other);

  // ASSERT
  await page.goto("/runs");
  await expect(page.getByText("No runs yet.")).toBeVisible();
  await expect(page.getByRole("link", { name: new RegExp(`Run ${runId}`) })).toHaveCount(0);
  await page.goto("/approvals");
  await expect(page.getByText("No pending approvals.")).toBeVisible();
  await page.getByRole("tab", { name: "Decided" }).click();
  await expect(page.getByText("No decided gates.")).toBeVisible();
  await page.goto("/audit");
  await expect(page.getByText("No audit entries yet.")).toBeVisible();
  await page.goto(`/runs/${runId}`);
  await expect(page.getByText(`No run ${runId} in team ${team}.`)).toBeVisible();
  await expect(gatePanel(page, "build")).toHaveCount(0);
  for (const url of [`/api/v1/runs/${runId}`, `/api/v1/approvals/${gate?.id ?? "missing"}`, `/api/v1/runs/${runId}/steps/build/artifacts/1/report.txt`]) {
    expect((await page.request.get(url)).status(), url).toBe(404);
  }
  const count = await page.request.get("/api/v1/approvals/pending-count");
  expect(await count.json()).toEqual({ canDecide: 0, total: 0 });
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
  // Every action that passes or re-runs the gate is refused to the starter; reject and cancel are not.
  for (const b of ["Modify", "Retry", "Skip"]) await expect(panel.getByRole("button", { name: b, exact: true })).toBeDisabled();
  await expect(panel.getByRole("button", { name: "Reject", exact: true })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Cancel run", exact: true })).toHaveCount(1);
  await expect(runStatus(page)).not.toHaveText("succeeded");
});

test("a viewer sees a pending gate and why they cannot decide it, with no decision buttons", async ({ page, request }) => {
  // A user without approval.decide (another team's user: see "a user of another team sees nothing").
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
  const ask = page.getByRole("dialog", { name: "Approve 3 gates?" });
  for (const id of runIds) await expect(ask.getByRole("list", { name: "Selected gates" })).toContainText(`${name} / review (${id})`);
  await ask.getByRole("button", { name: "Yes, approve 3" }).click();

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
  await page.getByRole("dialog", { name: "Approve 2 gates?" }).getByRole("button", { name: "Yes, approve 2" }).click();

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
  await page.getByLabel("Action").selectOption("gate.decided");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(table.getByTestId("audit-row").first()).toContainText("gate.decided");
  expect(new Set(await table.getByTestId("audit-row").locator("td:nth-child(4)").allTextContents())).toEqual(new Set(["gate.decided"]));
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Chain intact: \d+ rows verified/ })).toBeVisible();
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: "test-results/audit.png", fullPage: true });
});
