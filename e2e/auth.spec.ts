import { expect, test } from "@playwright/test";
import { E2E } from "./env";
import { appAlert, createUser, signIn, signInAsAdmin } from "./helpers";

test("an admin signs in, sees the dashboard shell with navigation, and signs out", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await signInAsAdmin(page);

  const nav = page.getByRole("navigation", { name: "Main" });
  for (const name of ["Workflows", "Runs", "Audit", "Admin"]) {
    await expect(nav.getByRole("link", { name, exact: true })).toBeVisible();
  }
  // The Approvals link carries a count badge when gates wait for this user ("Approvals, 2 pending").
  await expect(nav.getByRole("link", { name: /^Approvals(, \d+ pending)?$/ })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText("Admin");
  await expect(page.getByTestId("current-team")).toContainText("Default");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/runs");
  await expect(page).toHaveURL(/\/signin/);
});

test("a wrong password gets a clear message and repeated failures are slowed down", async ({ page, request }) => {
  const user = await createUser(request, ["viewer"]);
  await signIn(page, user.email, "not-the-password");
  await expect(appAlert(page)).toHaveText("Wrong e-mail or password.");
  for (let i = 0; i < 2; i++) {
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(appAlert(page)).toHaveText("Wrong e-mail or password.");
  }
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(appAlert(page)).toContainText("Too many failed sign-ins. Try again in");
});

test("a viewer sees no Admin entry and the admin API refuses them", async ({ page, request }) => {
  const viewer = await createUser(request, ["viewer"]);
  await signIn(page, viewer.email, viewer.password);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Runs", exact: true })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Audit" })).toHaveCount(0);

  // The viewer's own session cookie, from the page: the server refuses, whatever the UI shows.
  const status = await page.evaluate(async () => (await fetch("/api/v1/users")).status);
  expect(status).toBe(403);
  const create = await page.evaluate(async () => {
    const r = await fetch("/api/v1/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "x@y.io", password: "password-123", roles: ["admin"] }),
    });
    return r.status;
  });
  expect(create).toBe(403);
  await page.goto("/admin");
  await expect(appAlert(page)).toContainText("You need the admin role");
});

test("an admin creates an API token in the UI; REST succeeds with it and answers 401 without it or once revoked", async ({ page, playwright }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await page.getByLabel("Token name").fill("e2e-cli");
  await page.getByLabel("Role").selectOption("operator");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("token-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^wf_/);
  await expect(page.getByRole("row", { name: /e2e-cli/ })).toBeVisible();

  const api = await playwright.request.newContext({ baseURL: E2E.base });
  const me = await api.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ email: E2E.adminEmail, via: "token", roles: ["operator"] });
  expect((await api.get("/api/v1/me")).status()).toBe(401);
  expect((await api.get("/api/v1/me", { headers: { authorization: "Bearer wf_wrong" } })).status()).toBe(401);
  // an operator token cannot manage users although its user is an admin
  expect((await api.get("/api/v1/users", { headers: { authorization: `Bearer ${secret}` } })).status()).toBe(403);

  await page.reload();
  // the last-used time is shown once the token was used
  await expect(page.getByRole("row", { name: /e2e-cli/ })).not.toContainText("never");
  await page.getByRole("button", { name: "Revoke e2e-cli" }).click();
  await expect(page.getByRole("button", { name: "Revoke e2e-cli" })).toHaveCount(0);
  expect((await api.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } })).status()).toBe(401);
  await api.dispose();
});

test("health, readiness and the OpenAPI document answer", async ({ request }) => {
  expect(await (await request.get("/api/health")).json()).toEqual({ status: "ok" });
  expect(await (await request.get("/api/ready")).json()).toEqual({ status: "ok", database: "sqlite", migrations: "applied", synchronous: "FULL" });
  const doc = await (await request.get("/api/openapi.json")).json();
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/users", "/tokens", "/tokens/{id}", "/me"]));
});

test("the shipped workflows are listed, and REST validation answers with line and column", async ({ page, request }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
  await expect(page.getByRole("link", { name: "project-loop" })).toBeVisible();
  await page.getByRole("link", { name: "hello" }).click();
  await expect(page.getByLabel("YAML", { exact: true })).toContainText("yaml-language-server");

  const auth = { authorization: `Bearer ${E2E.adminToken}` };
  const res = await request.post("/api/v1/workflows/validate", {
    headers: auth,
    data: { yaml: "name: x\nsteps:\n  - id: a\n    type: noop\n    needs: [b]\n" },
  });
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.valid).toBe(false);
  expect(body.errors[0]).toMatchObject({ line: 5, path: "steps[0].needs[0]" });
  const schema = await request.get("/schema/workflow.json");
  expect((await schema.json()).type).toBe("object");
});
