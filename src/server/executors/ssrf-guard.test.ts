import { describe, expect, it } from "vitest";
import { createSsrfGuard, normalizeHost, type HostResolver } from "./ssrf-guard";

// A fixed DNS answer: the guard's resolver is a port, so these tests need no network.
const answers = (table: Record<string, string[]>): HostResolver => async (host) => {
  const list = table[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

describe("ssrf guard", () => {
  const resolve = answers({
    "public.example": ["93.184.215.14"],
    "mixed.example": ["93.184.215.14", "10.0.0.8"],
    "internal.corp.example": ["10.0.0.5"],
    "corp.example": ["10.0.0.6"],
    "v6.example": ["2606:4700::1111", "::1"],
  });

  it("passes a public name and pins the checked addresses", async () => {
    const verdict = await createSsrfGuard({ resolve }).check(new URL("https://public.example/x"));
    expect(verdict).toEqual({ ok: true, pinned: [{ address: "93.184.215.14", family: 4 }] });
  });

  it("refuses a name when any of its addresses is private", async () => {
    const verdict = await createSsrfGuard({ resolve }).check(new URL("http://mixed.example/"));
    expect(verdict).toEqual({
      ok: false,
      error: {
        code: "forbidden_address",
        message: "http step refused: mixed.example resolves to 10.0.0.8 (private); add it to HTTP_ALLOW_HOSTS to allow",
      },
    });
    const v6 = await createSsrfGuard({ resolve }).check(new URL("http://v6.example/"));
    expect(v6).toMatchObject({ ok: false, error: { message: expect.stringContaining("resolves to ::1 (loopback)") } });
  });

  it("refuses metadata names before DNS", async () => {
    const verdict = await createSsrfGuard({ resolve }).check(new URL("http://metadata.google.internal/computeMetadata/v1/"));
    expect(verdict).toMatchObject({ ok: false, error: { code: "forbidden_address", message: expect.stringContaining("cloud metadata") } });
  });

  it("allows listed names (case-insensitive), wildcard domains and IP literals", async () => {
    const guard = createSsrfGuard({ resolve, allowHosts: ["LOCALHOST", "*.Corp.Example", "10.0.0.8", "[::1]"] });
    expect(await guard.check(new URL("http://localhost:3000/"))).toEqual({ ok: true, pinned: undefined });
    expect(await guard.check(new URL("http://internal.corp.example/"))).toEqual({ ok: true, pinned: undefined });
    expect(await guard.check(new URL("http://corp.example/"))).toEqual({ ok: true, pinned: undefined });
    expect(await guard.check(new URL("http://[0:0::1]:8080/"))).toEqual({ ok: true, pinned: undefined });
    // An allowed IP also allows a name that resolves to it.
    expect(await guard.check(new URL("http://mixed.example/"))).toMatchObject({ ok: true });
    expect(await guard.check(new URL("http://10.0.0.9/"))).toMatchObject({ ok: false });
  });

  it("refuses IP literals in any spelling the URL parser accepts", async () => {
    const guard = createSsrfGuard({ resolve });
    for (const url of ["http://[::1]/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/", "http://10.1.2.3/", "http://2130706433/", "http://0x7f.1/", "http://127.1/"]) {
      expect(await guard.check(new URL(url)), url).toMatchObject({ ok: false, error: { code: "forbidden_address" } });
    }
  });

  it("refuses schemes other than http and https", async () => {
    expect(await createSsrfGuard({ resolve }).check(new URL("file:///etc/passwd"))).toMatchObject({ ok: false, error: { code: "invalid_params" } });
  });

  it("reports a name that does not resolve", async () => {
    expect(await createSsrfGuard({ resolve }).check(new URL("http://nowhere.example/"))).toMatchObject({
      ok: false,
      error: { code: "dns_error", message: "http step: cannot resolve nowhere.example (ENOTFOUND)" },
    });
  });

  it("normalizes hosts", () => {
    expect(normalizeHost("Example.COM.")).toBe("example.com");
    expect(normalizeHost("[0:0:0:0:0:0:0:1]")).toBe("::1");
  });
});
