import { expect, test, type APIRequestContext } from "@playwright/test";
import { E2E } from "./env";
import { appAlert, createUser, signIn, signInAsAdmin } from "./helpers";

const auth = { authorization: `Bearer ${E2E.adminToken}` };
const shot = (page: import("@playwright/test").Page, name: string) => (process.env.E2E_SCREENSHOTS ? page.screenshot({ path: `test-results/${name}.png`, fullPage: true }) : undefined);

async function userOf(request: APIRequestContext, id: string) {
  const res = await request.get("/api/v1/users", { headers: auth });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { id: string; disabled: boolean }[]).find((u) => u.id === id);
}

test("Disable asks first: Keep enabled leaves the user enabled, Yes disables them", async ({ page, request }) => {
  const user = await createUser(request, ["viewer"]);
  await signInAsAdmin(page);
  await page.goto("/admin");
  const row = page.getByRole("row").filter({ hasText: user.email });
  await row.getByRole("button", { name: `Disable ${user.email}` }).click();

  const dialog = page.getByRole("dialog", { name: `Disable ${user.email}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("can no longer sign in");
  // The safe choice has the focus: Enter does not disable.
  await expect(dialog.getByRole("button", { name: "Keep enabled" })).toBeFocused();
  await shot(page, "admin-disable-confirm");
  await dialog.getByRole("button", { name: "Keep enabled" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText("active");
  expect((await userOf(request, user.id))?.disabled).toBe(false);

  // Escape is "no" as well.
  await row.getByRole("button", { name: `Disable ${user.email}` }).click();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  expect((await userOf(request, user.id))?.disabled).toBe(false);

  await row.getByRole("button", { name: `Disable ${user.email}` }).click();
  await dialog.getByRole("button", { name: "Yes, disable" }).click();
  await expect(row).toContainText("disabled");
  await expect(page.getByRole("status").filter({ hasText: `${user.email} disabled.` })).toBeVisible();
  expect((await userOf(request, user.id))?.disabled).toBe(true);

  // Enabling asks nothing.
  await row.getByRole("button", { name: `Enable ${user.email}` }).click();
  await expect(row).toContainText("active");
  expect((await userOf(request, user.id))?.disabled).toBe(false);
});

test("Reset password is a dialog that checks the new password inline; the user signs in with it", async ({ page, request, browser }) => {
  const user = await createUser(request, ["viewer"]);
  await signInAsAdmin(page);
  await page.goto("/admin");
  let prompted = false;
  page.on("dialog", (d) => {
    prompted = true;
    void d.dismiss();
  });
  await page.getByRole("button", { name: `Reset password of ${user.email}` }).click();
  const dialog = page.getByRole("dialog", { name: `Reset password of ${user.email}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("New password")).toBeFocused();

  await dialog.getByLabel("New password").fill("short");
  await dialog.getByRole("button", { name: "Set password" }).click();
  await expect(dialog.getByText("At least 8 characters (5 so far).")).toBeVisible();
  await expect(dialog.getByLabel("New password")).toHaveAttribute("aria-invalid", "true");
  await dialog.getByLabel("New password").fill("new-password-42");
  await dialog.getByLabel("Repeat the password").fill("new-password-43");
  await dialog.getByRole("button", { name: "Set password" }).click();
  await expect(dialog.getByText("The two passwords differ.")).toBeVisible();
  await shot(page, "admin-reset-password");
  await dialog.getByLabel("Repeat the password").fill("new-password-42");
  await expect(dialog.getByText("The two passwords differ.")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Set password" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: `Password of ${user.email} reset` })).toBeVisible();
  expect(prompted, "no window.prompt/alert").toBe(false);

  const other = await browser.newContext();
  const theirs = await other.newPage();
  await signIn(theirs, user.email, "new-password-42");
  await expect(theirs.getByTestId("current-user")).toBeVisible();
  await other.close();
});

test("Admin lists teams with their members and creation time; a new team appears", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/admin");
  const teams = page.getByRole("table", { name: "Teams" });
  const current = teams.getByTestId("team-row").filter({ hasText: "member (current team)" });
  await expect(current).toHaveCount(1);
  await expect(current.locator("td").nth(1)).toHaveText(/^\d+$/);

  const name = `Team ${Date.now()}`;
  const form = page.getByRole("form", { name: "Create team" });
  await form.getByLabel("Team name").fill(name);
  await form.getByLabel("Admin e-mail").fill(`boss-${Date.now()}@e2e.test`);
  await form.getByLabel("Admin password").fill("password-123");
  await form.getByRole("button", { name: "Create team" }).click();
  const created = teams.getByTestId("team-row").filter({ hasText: name });
  await expect(created).toBeVisible();
  await expect(created.locator("td").nth(1)).toHaveText("1");
  await expect(created).toContainText("created from this team");
  await expect(created.locator("td").nth(2)).not.toHaveText("—");
  await expect(appAlert(page)).toHaveCount(0);
  await page.getByRole("region", { name: "Teams" }).scrollIntoViewIfNeeded();
  await shot(page, "admin-teams");
});

test("Pause asks first: Keep running leaves the run running, Yes pauses it", async ({ page, request }) => {
  const name = `e2e-pause-${Date.now()}`;
  const saved = await request.post("/api/v1/workflows", { headers: auth, data: { yaml: `name: ${name}\nsteps:\n  - { id: nap, type: shell, params: { command: "sleep 30" } }\n  - { id: after, type: noop, needs: [nap] }\n` } });
  expect(saved.status(), await saved.text()).toBe(200);
  const started = await request.post("/api/v1/runs", { headers: auth, data: { workflow: name } });
  const run = (await started.json()) as { id: string };
  await signInAsAdmin(page);
  await page.goto(`/runs/${run.id}`);
  const status = page.getByRole("main").getByTestId("run-status").first();
  await expect(status).toHaveText("running", { timeout: 30_000 });

  const controls = page.getByRole("group", { name: "Run controls" });
  await controls.getByRole("button", { name: "Pause", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Pause this run?" });
  await expect(dialog).toContainText("no further step starts");
  await shot(page, "run-pause-confirm");
  await dialog.getByRole("button", { name: "Keep running" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(status).toHaveText("running");
  expect(((await (await request.get(`/api/v1/runs/${run.id}`, { headers: auth })).json()) as { status: string }).status).toBe("running");

  await controls.getByRole("button", { name: "Pause", exact: true }).click();
  await dialog.getByRole("button", { name: "Yes, pause" }).click();
  await expect(status).toHaveText("paused");
  expect((await request.post(`/api/v1/runs/${run.id}/cancel`, { headers: auth, data: {} })).status()).toBe(200);
});
