/**
 * Sessions end when they should, seen from outside: a session cookie copied out of the browser is
 * refused (REST 401, pages redirect to sign-in) once its user signs out or an admin resets the
 * password. And sign-in throttling over real HTTP from several loopback source addresses: one
 * address's failures never lock the account's owner out on another, and a client's own
 * X-Forwarded-For cannot pick the address that is counted.
 */
import { request as httpRequest } from "node:http";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { E2E } from "./env";
import { createUser, signIn } from "./helpers";

const ADMIN = { authorization: `Bearer ${E2E.adminToken}` };

async function sessionCookie(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
  if (!cookie) throw new Error("no session cookie after sign-in");
  return `${cookie.name}=${cookie.value}`;
}

/** GET with only the copied cookie, from outside the browser. */
async function statusWithCookie(path: string, cookie: string): Promise<number> {
  const res = await fetch(`${E2E.base}${path}`, { headers: { cookie }, redirect: "manual" });
  return res.status;
}

async function signInAs(page: Page, user: { email: string; password: string }) {
  await signIn(page, user.email, user.password);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

test("a copied session cookie is refused once its user signs out", async ({ page, context, browser }) => {
  const user = await createUser(page.request, ["operator"]);
  await signInAs(page, user);
  const copied = await sessionCookie(context);
  expect(await statusWithCookie("/api/v1/me", copied)).toBe(200);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);

  expect(await statusWithCookie("/api/v1/me", copied)).toBe(401);
  expect(await statusWithCookie("/api/v1/runs", copied)).toBe(401);
  // a page with the copied cookie sends the browser to sign in
  const other = await browser.newContext({ baseURL: E2E.base });
  const [name, ...rest] = copied.split("=");
  await other.addCookies([{ name: name ?? "", value: rest.join("="), url: E2E.base }]);
  const p2 = await other.newPage();
  await p2.goto("/runs");
  await expect(p2).toHaveURL(/\/signin/);
  await other.close();
});

test("a copied session cookie is refused once an admin resets the password; the new password works", async ({ page, context }) => {
  const user = await createUser(page.request, ["approver"]);
  await signInAs(page, user);
  const copied = await sessionCookie(context);
  expect(await statusWithCookie("/api/v1/me", copied)).toBe(200);

  const reset = await page.request.post(`/api/v1/users/${user.id}/password`, { headers: ADMIN, data: { password: "brand-new-password" } });
  expect(reset.status(), await reset.text()).toBe(200);

  expect(await statusWithCookie("/api/v1/me", copied)).toBe(401);
  await page.goto("/approvals");
  await expect(page).toHaveURL(/\/signin/);
  await signInAs(page, { email: user.email, password: "brand-new-password" });
});

/** One raw HTTP exchange from a chosen loopback source address (Linux routes all of 127/8 to lo). */
function fromAddress(
  localAddress: string,
  method: "GET" | "POST",
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(path, E2E.base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

/** NextAuth's credentials sign-in over HTTP from `localAddress`: "ok", or the error it answered. */
async function signInFrom(localAddress: string, email: string, password: string, extra: Record<string, string> = {}): Promise<string> {
  const csrf = await fromAddress(localAddress, "GET", "/api/auth/csrf", {});
  const csrfToken = (JSON.parse(csrf.text) as { csrfToken: string }).csrfToken;
  const setCookie = csrf.headers["set-cookie"] ?? [];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie]).map((c) => c.split(";")[0]).join("; ");
  const body = new URLSearchParams({ csrfToken, email, password, json: "true" }).toString();
  const res = await fromAddress(localAddress, "POST", "/api/auth/callback/credentials", {
    "content-type": "application/x-www-form-urlencoded",
    cookie,
    ...extra,
  }, body);
  const url = new URL((JSON.parse(res.text) as { url: string }).url, E2E.base);
  return url.searchParams.get("error") ?? "ok";
}

test("many wrong passwords from one address slow that address down, never the owner on another address", async ({ request }) => {
  const user = await createUser(request, ["viewer"]);
  const results: string[] = [];
  for (let i = 0; i < 6; i++) results.push(await signInFrom("127.0.0.2", user.email, "wrong-password"));
  expect(results.slice(0, 3)).toEqual(Array(3).fill("Wrong e-mail or password."));
  expect(results.slice(3).every((r) => r.startsWith("Too many failed sign-ins. Try again in"))).toBe(true);
  // the attacker's address stays refused, even with the right password
  expect(await signInFrom("127.0.0.2", user.email, user.password)).toMatch(/^Too many failed sign-ins/);
  // the owner, from another address, signs in at once
  expect(await signInFrom("127.0.0.3", user.email, user.password)).toBe("ok");
});

test("a client's own X-Forwarded-For neither hides its address nor locks out the address it names", async ({ request }) => {
  const user = await createUser(request, ["viewer"]);
  // The attacker at 127.0.0.4 claims to be 127.0.0.5 (where the owner is) and a new address each time.
  for (let i = 0; i < 5; i++) {
    await signInFrom("127.0.0.4", user.email, "wrong-password", { "x-forwarded-for": `127.0.0.5, 10.0.${i}.1` });
  }
  expect(await signInFrom("127.0.0.4", user.email, user.password, { "x-forwarded-for": "10.9.9.9" })).toMatch(/^Too many failed sign-ins/);
  expect(await signInFrom("127.0.0.5", user.email, user.password)).toBe("ok");
});
