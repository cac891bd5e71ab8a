/**
 * Personal API tokens in the browser: an operator creates one under "API tokens" (offered only the
 * roles they hold), and uses the API as themselves with it; asking for more is refused by the server.
 */
import { expect, test } from "@playwright/test";
import { E2E } from "./env";
import { createUser, signIn } from "./helpers";

test("an operator creates a personal token capped by their roles and uses it as themselves", async ({ page, playwright }) => {
  const user = await createUser(page.request, ["operator"]);
  await signIn(page, user.email, user.password);
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens", exact: true, level: 1 })).toBeVisible();
  // only the roles an operator holds are offered
  await expect(page.getByLabel("Role").locator("option")).toHaveText(["viewer", "operator"]);
  await page.getByLabel("Token name").fill("my-cli");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("token-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^wf_/);
  await expect(page.getByRole("row", { name: /my-cli/ })).toContainText(user.email);

  const api = await playwright.request.newContext({ baseURL: E2E.base });
  const auth = { authorization: `Bearer ${secret}` };
  expect(await (await api.get("/api/v1/me", { headers: auth })).json()).toMatchObject({ email: user.email, via: "token", roles: ["operator"] });
  expect((await api.get("/api/v1/runs", { headers: auth })).status()).toBe(200);
  expect((await api.get("/api/v1/users", { headers: auth })).status()).toBe(403);
  // the token cannot mint another token
  expect((await api.post("/api/v1/tokens", { headers: auth, data: { name: "more", role: "viewer" } })).status()).toBe(403);
  await api.dispose();

  // from the page's own session: an admin token is refused with the reason
  const refused = await page.evaluate(async () => {
    const r = await fetch("/api/v1/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "up", role: "admin" }) });
    return { status: r.status, body: (await r.json()) as { message?: string } };
  });
  expect(refused.status).toBe(403);
  expect(refused.body.message).toContain("A token cannot exceed its user's roles: role admin needs");
});
