import { describe, expect, it } from "vitest";
import { guardCookieWrite } from "./request-guard";

const URL_ = "http://127.0.0.1:3000/api/v1/tokens";
const req = (method: string, headers: Record<string, string>) => new Request(URL_, { method, headers: { host: "127.0.0.1:3000", ...headers } });

describe("guardCookieWrite", () => {
  it("lets reads and bearer-token writes through", () => {
    expect(guardCookieWrite(req("GET", {}))).toBeNull();
    expect(guardCookieWrite(req("POST", { authorization: "Bearer x", "content-type": "text/plain" }))).toBeNull();
  });

  it("accepts a same-origin JSON write", () => {
    expect(guardCookieWrite(req("POST", { "content-type": "application/json", origin: "http://127.0.0.1:3000" }))).toBeNull();
    expect(guardCookieWrite(req("POST", { "content-type": "application/json; charset=utf-8", referer: "http://127.0.0.1:3000/admin" }))).toBeNull();
  });

  it("refuses a form post, a cross-origin write and a write with no origin", async () => {
    const form = guardCookieWrite(req("POST", { "content-type": "application/x-www-form-urlencoded", origin: "http://127.0.0.1:3000" }));
    expect(form?.status).toBe(403);
    expect(await form?.json()).toMatchObject({ error: { message: expect.stringContaining("application/json") } });
    expect(guardCookieWrite(req("DELETE", { "content-type": "application/json", origin: "http://evil.example" }))?.status).toBe(403);
    expect(guardCookieWrite(req("POST", { "content-type": "application/json" }))?.status).toBe(403);
  });
});
