import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./env";

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/signin");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInAsAdmin(page: Page) {
  await signIn(page, E2E.adminEmail, E2E.adminPassword);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

let n = 0;
/** Creates a user through the REST API with the ADMIN_API_TOKEN the server was started with. */
export async function createUser(request: APIRequestContext, roles: string[], password = "password-123") {
  const email = `${roles.join("-")}-${Date.now()}-${++n}@e2e.test`;
  const res = await request.post("/api/v1/users", {
    headers: { authorization: `Bearer ${E2E.adminToken}` },
    data: { email, password, roles, name: `Test ${roles.join("+")}` },
  });
  expect(res.status(), await res.text()).toBe(200);
  const { id } = (await res.json()) as { id: string };
  return { id, email, password };
}

/** The app's alert (Next.js also renders an empty role=alert route announcer). */
export function appAlert(page: Page) {
  return page.locator('[role="alert"]:not(#__next-route-announcer__)');
}
