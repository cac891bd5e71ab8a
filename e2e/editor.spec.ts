import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { changedLines } from "../src/features/shared/line-diff";
import { E2E } from "./env";
import { createUser, signIn, signInAsAdmin } from "./helpers";

const auth = { authorization: `Bearer ${E2E.adminToken}` };
const RUN_TIMEOUT = 30_000;
let seq = 0;
const unique = (base: string) => `${base}-${Date.now()}-${++seq}`;

async function saveViaRest(request: APIRequestContext, yaml: string) {
  const res = await request.post("/api/v1/workflows", { headers: auth, data: { yaml } });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as { name: string; version: number };
}

async function versionViaRest(request: APIRequestContext, name: string, version: number) {
  const res = await request.get(`/api/v1/workflows/${name}/versions/${version}`, { headers: auth });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as { yaml: string; layout: { positions: Record<string, { x: number; y: number }> } | null; message: string | null };
}

const inspector = (page: Page) => page.getByRole("region", { name: "Inspector" });
const status = (page: Page) => page.getByTestId("editor-status");
const node = (page: Page, id: string) => page.getByRole("group", { name: `Step ${id}`, exact: true });
const yamlPane = (page: Page) => page.getByRole("region", { name: "YAML", exact: true });

/** Adds a step of the chosen type with the toolbar and renames it in the inspector. */
async function addStep(page: Page, id: string, needs: string[] = []) {
  await page.getByRole("button", { name: "Add step", exact: true }).click();
  const idField = inspector(page).getByLabel("Step id", { exact: true });
  await idField.fill(id);
  await idField.press("Enter");
  await expect(node(page, id)).toBeVisible();
  const needsGroup = inspector(page).getByRole("group", { name: "needs" });
  for (const n of needs) await needsGroup.getByRole("checkbox", { name: n, exact: true }).check();
}

test("build a 4-step workflow with a parallel branch from scratch on the canvas, save, see the YAML, run it to success", async ({ page }) => {
  //   build ──► unit ──► report
  //         └─► lint ──┘          (unit and lint run in parallel)
  const name = unique("built");
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
  await page.getByRole("link", { name: "New workflow" }).click();
  await expect(page.getByRole("heading", { name: "New workflow" })).toBeVisible();

  const wfName = inspector(page).getByLabel("Workflow name", { exact: true });
  await wfName.fill(name);
  await wfName.press("Enter");
  await expect(yamlPane(page)).toContainText(`name: ${name}`);

  await addStep(page, "build");
  await addStep(page, "unit", ["build"]);
  await addStep(page, "lint", ["build"]);
  await addStep(page, "report", ["unit"]);

  // The last edge is drawn on the canvas: from lint's output handle to report's input handle.
  await page.getByRole("button", { name: "Fit view" }).click();
  const from = node(page, "lint").locator(".react-flow__handle.source");
  const to = node(page, "report").locator(".react-flow__handle.target");
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error("handles not on screen");
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByRole("group", { name: "Edge from lint to report" })).toBeAttached();
  await expect(page.getByRole("group", { name: "Edge from build to unit" })).toBeAttached();

  // Undo and redo cover canvas edits.
  await page.getByRole("button", { name: "Undo", exact: true }).click();
  await expect(page.getByRole("group", { name: "Edge from lint to report" })).toHaveCount(0);
  await page.getByRole("button", { name: "Redo", exact: true }).click();
  await expect(page.getByRole("group", { name: "Edge from lint to report" })).toBeAttached();

  await expect(page.getByRole("region", { name: "Problems" })).toContainText("No problems");
  await page.getByLabel("Version message").fill("built on the canvas");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(status(page)).toHaveText(`Saved ${name} v1`);
  await expect(page).toHaveURL(new RegExp(`/workflows/${name}/edit$`));

  // The YAML pane shows the document the canvas built.
  const yaml = yamlPane(page);
  await expect(yaml).toContainText("- id: report");
  await expect(yaml).toContainText("needs: [unit, lint]");
  const stored = await versionViaRest(page.request, name, 1);
  expect(stored.message).toBe("built on the canvas");
  expect(Object.keys(stored.layout?.positions ?? {}).sort()).toEqual(["build", "lint", "report", "unit"]);

  await page.getByRole("button", { name: "Run", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Run ${name}` });
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByRole("main").getByTestId("run-status").first()).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
});

test("a parallel group drawn as a container: its steps are added into it, and the run waits for all of them", async ({ page }) => {
  //   build ──► checks [ unit, lint ] ──► report
  const name = unique("grouped");
  await signInAsAdmin(page);
  await page.goto("/workflows/new");
  const wfName = inspector(page).getByLabel("Workflow name", { exact: true });
  await wfName.fill(name);
  await wfName.press("Enter");

  await addStep(page, "build");
  await page.getByLabel("Step type").selectOption("parallel");
  await addStep(page, "checks", ["build"]);
  // A new parallel step holds one placeholder step; the group is a container on the canvas.
  const placeholder = page.getByRole("group", { name: /^Step parallel_\d+_a$/ });
  await expect(placeholder).toBeVisible();

  await page.getByLabel("Step type").selectOption("shell");
  await page.getByLabel("Add to").selectOption({ label: "checks (parallel)" });
  await addStep(page, "unit");
  await addStep(page, "lint");
  await placeholder.click();
  await page.getByRole("button", { name: "Delete step", exact: true }).click();
  await expect(placeholder).toHaveCount(0);

  // A group and its own steps are not offered as each other's needs (that would be a cycle).
  await node(page, "unit").click();
  await expect(inspector(page).getByRole("group", { name: "needs" }).getByRole("checkbox", { name: "checks", exact: true })).toHaveCount(0);
  await expect(inspector(page).getByRole("group", { name: "needs" }).getByRole("checkbox", { name: "build", exact: true })).toHaveCount(1);

  await page.getByLabel("Add to").selectOption({ label: "workflow" });
  await addStep(page, "report", ["checks"]);

  // The children sit inside the container's box on the canvas.
  const group = await node(page, "checks").boundingBox();
  for (const child of ["unit", "lint"]) {
    const box = await node(page, child).boundingBox();
    if (!group || !box) throw new Error("not on screen");
    expect(box.x).toBeGreaterThanOrEqual(group.x);
    expect(box.y).toBeGreaterThanOrEqual(group.y);
    expect(box.x + box.width).toBeLessThanOrEqual(group.x + group.width);
    expect(box.y + box.height).toBeLessThanOrEqual(group.y + group.height);
  }

  await expect(page.getByRole("region", { name: "Problems" })).toContainText("No problems");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(status(page)).toHaveText(`Saved ${name} v1`);
  const stored = await versionViaRest(page.request, name, 1);
  expect(stored.yaml).toMatch(/- id: checks\n\s+type: parallel/);
  expect(stored.yaml).toMatch(/steps:[\s\S]*- id: unit[\s\S]*- id: lint/);

  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByRole("dialog", { name: `Run ${name}` }).getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/run_/);
  await expect(page.getByRole("main").getByTestId("run-status").first()).toHaveText("succeeded", { timeout: RUN_TIMEOUT });
  const steps = page.getByRole("table", { name: "Steps" });
  for (const id of ["build", "checks", "unit", "lint", "report"]) await expect(steps.getByRole("button", { name: id, exact: true })).toBeVisible();
});

//   build ──► test ──► deploy
//         └─► lint
const commented = (name: string) => `# yaml-language-server: $schema=/schema/workflow.json
# Release pipeline: these comments must survive canvas edits.
name: ${name}   # the workflow's name
description: Build, test and ship

steps:
  # Compile first.
  - id: build
    type: shell
    params:
      command: echo build

  - id: test          # unit tests
    type: shell
    needs: [build]
    params:
      command: echo test

  - id: lint
    needs:
      - build   # block list
    type: shell
    params: { command: echo lint }

  # Ship it.
  - id: deploy
    type: shell
    needs: [test]
    if: steps.test.status == "succeeded"
    params:
      command: echo deploy
`;

test("a commented YAML file edited on the canvas changes exactly the lines of the edit", async ({ page }) => {
  const name = unique("commented");
  const original = commented(name);
  await saveViaRest(page.request, original);
  await signInAsAdmin(page);
  await page.goto(`/workflows/${name}/edit`);

  // ACT: rename test -> unit_tests in the inspector, then add the edge lint -> deploy.
  await node(page, "test").click();
  const idField = inspector(page).getByLabel("Step id", { exact: true });
  await idField.fill("unit_tests");
  await idField.press("Enter");
  await expect(node(page, "unit_tests")).toBeVisible();
  await node(page, "deploy").click();
  await inspector(page).getByRole("group", { name: "needs" }).getByRole("checkbox", { name: "lint", exact: true }).check();
  await expect(page.getByRole("group", { name: "Edge from lint to deploy" })).toBeAttached();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(status(page)).toHaveText(`Saved ${name} v2`);

  // ASSERT: the stored text differs from the file in exactly these lines.
  const after = (await versionViaRest(page.request, name, 2)).yaml;
  expect(changedLines(original, after)).toEqual([
    "-  - id: test          # unit tests",
    "+  - id: unit_tests          # unit tests",
    "-    needs: [test]",
    '-    if: steps.test.status == "succeeded"',
    "+    needs: [unit_tests, lint]",
    '+    if: steps.unit_tests.status == "succeeded"',
  ]);
  if (process.env.E2E_SCREENSHOTS) {
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.getByRole("button", { name: "Auto layout" }).click();
    await node(page, "deploy").click();
    await page.getByRole("button", { name: "Fit view" }).click();
    await page.screenshot({ path: "docs/editor.png", fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
  }
});

test("a cycle typed into the YAML shows on the canvas and in the problems, and saving is refused", async ({ page }) => {
  const name = unique("cycle");
  await saveViaRest(page.request, `name: ${name}\nsteps:\n  - { id: b, type: noop, needs: [a] }\n  - { id: c, type: noop, needs: [b] }\n  - { id: a, type: noop }\n`);
  await signInAsAdmin(page);
  await page.goto(`/workflows/${name}/edit`);
  await expect(node(page, "a")).toBeVisible();

  // Type `, needs: [c]` into a's line: a -> b -> c -> a.
  const source = page.getByRole("textbox", { name: "YAML source" });
  await source.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.insertText(", needs: [c]");
  await expect(yamlPane(page)).toContainText("{ id: a, type: noop, needs: [c] }");

  const problems = page.getByRole("region", { name: "Problems" });
  await expect(problems).toContainText("dependency cycle: b -> c -> a -> b");
  for (const id of ["a", "b", "c"]) await expect(node(page, id).locator("[data-in-cycle]")).toBeAttached();
  for (const [f, t] of [["a", "b"], ["b", "c"], ["c", "a"]] as const) {
    await expect(page.getByRole("group", { name: `Edge from ${f} to ${t}` })).toHaveClass(/wf-edge-cycle/);
  }
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(status(page)).toContainText("Not saved: fix the 1 problem first");
  expect((await page.request.get(`/api/v1/workflows/${name}/versions`, { headers: auth }).then((r) => r.json())) as unknown[]).toHaveLength(1);

  // Undo (Ctrl+Z in the YAML) takes the typing back and the cycle goes away.
  await source.click();
  await page.keyboard.press("Control+z");
  await expect(problems).toContainText("No problems");
});

test("new from template: a copy of a workflows/ file under a new name, with a field error shown under its field", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/workflows");
  await page.getByRole("link", { name: "New from template" }).click();
  await page.getByRole("link", { name: "Use template hello" }).click();
  await expect(yamlPane(page)).toContainText("name: hello-copy");
  await expect(yamlPane(page)).toContainText("# Smoke test: two shell steps"); // the file's comments came along

  // An invalid value typed in the inspector shows under that field and in the problems.
  await node(page, "greet").click();
  const timeout = inspector(page).getByRole("textbox", { name: "timeout", exact: true });
  await timeout.fill("ten minutes");
  await expect(timeout).toHaveAttribute("aria-invalid", "true");
  await expect(inspector(page)).toContainText('invalid duration "ten minutes"');
  await expect(node(page, "greet").getByTestId("node-problems")).toHaveText("1 problem");
  await timeout.fill("10m");
  await expect(page.getByRole("region", { name: "Problems" })).toContainText("No problems");

  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(status(page)).toHaveText(/^Saved hello-copy v\d+$/);
  await expect(page).toHaveURL(/\/workflows\/hello-copy\/edit$/);
});

test("restore an earlier version from the history, after comparing it", async ({ page }) => {
  const name = unique("restore");
  const v1 = `name: ${name}\nsteps:\n  - id: a\n    type: shell\n    params: { command: echo one }\n`;
  await saveViaRest(page.request, v1);
  await saveViaRest(page.request, `name: ${name}\nsteps:\n  - id: a\n    type: shell\n    params: { command: echo two }\n  - { id: b, type: noop, needs: [a] }\n`);
  await signInAsAdmin(page);
  await page.goto(`/workflows/${name}/edit`);
  await expect(node(page, "b")).toBeVisible();

  await page.getByRole("button", { name: "History" }).click();
  const history = page.getByRole("region", { name: "Version history" });
  await expect(history.getByRole("list", { name: "Versions" }).getByRole("listitem")).toHaveCount(2);
  await history.getByRole("button", { name: "Compare v1" }).click();
  await expect(history.getByRole("region", { name: "Version diff (YAML side by side)" })).toContainText("echo one");
  await expect(history.getByTestId("graph-diff-legend")).toHaveText("1 added0 removed1 changed");

  await history.getByRole("button", { name: "Restore v1" }).click();
  await expect(status(page)).toHaveText("Restored as v3");
  await expect(yamlPane(page)).toContainText("echo one");
  await expect(node(page, "b")).toHaveCount(0);
  expect((await versionViaRest(page.request, name, 3)).yaml).toBe(v1);
});

test("viewers and operators get a read-only canvas", async ({ page, request }) => {
  const viewer = await createUser(request, ["viewer"]);
  await signIn(page, viewer.email, viewer.password);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.goto("/workflows/hello/edit");
  await expect(node(page, "greet")).toBeVisible();
  await expect(page.getByText("read-only: your role may view this workflow")).toBeVisible();
  for (const name of ["Add step", "Save", "Delete step", "Run"]) await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Undo", exact: true })).toBeDisabled();
  await expect(page.getByRole("textbox", { name: "YAML source" })).toHaveAttribute("contenteditable", "false");
  await node(page, "greet").click();
  await expect(inspector(page).getByLabel("Step id", { exact: true })).toBeDisabled();

  const operator = await createUser(request, ["operator"]);
  await page.context().clearCookies();
  await signIn(page, operator.email, operator.password);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.goto("/workflows/hello/edit");
  await expect(node(page, "greet")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Run", exact: true })).toBeEnabled(); // operators run
});
