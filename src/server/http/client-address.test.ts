import { describe, expect, it } from "vitest";
import { clientAddress, normalizeAddress } from "./client-address";

// scripts/serve.mjs appends the socket's peer to X-Forwarded-For: the last entry is what connected.
const h = (xff?: string) => new Headers(xff === undefined ? {} : { "x-forwarded-for": xff });

describe("clientAddress", () => {
  it("without trusted proxies, is the socket's peer (the last entry), whatever the client wrote before it", () => {
    expect(clientAddress(h("127.0.0.2"), 0)).toBe("127.0.0.2");
    expect(clientAddress(h("6.6.6.6, 127.0.0.2"), 0)).toBe("127.0.0.2");
    expect(clientAddress(h("::ffff:10.0.0.5"), 0)).toBe("10.0.0.5");
  });

  it("with N trusted proxies, steps N entries left of the peer (what the nearest proxy saw)", () => {
    // client forged "6.6.6.6"; the proxy appended the client's real address; serve.mjs the proxy's
    expect(clientAddress(h("6.6.6.6, 198.51.100.4, 10.0.0.1"), 1)).toBe("198.51.100.4");
    expect(clientAddress(h("6.6.6.6, 198.51.100.4, 10.0.0.2, 10.0.0.1"), 2)).toBe("198.51.100.4");
    // fewer entries than proxies: the left-most one
    expect(clientAddress(h("10.0.0.1"), 2)).toBe("10.0.0.1");
  });

  it("says unknown without the header", () => {
    expect(clientAddress(h(), 0)).toBe("unknown");
    expect(clientAddress(h(" , "), 0)).toBe("unknown");
  });

  it("normalises ports, brackets, case and mapped IPv4", () => {
    expect(normalizeAddress("[2001:DB8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("203.0.113.9:5555")).toBe("203.0.113.9");
    expect(normalizeAddress("::FFFF:203.0.113.9")).toBe("203.0.113.9");
    expect(normalizeAddress("x".repeat(500))).toHaveLength(64);
  });
});
