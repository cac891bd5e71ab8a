import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("parseEnv", () => {
  it("applies the documented defaults", () => {
    const e = parseEnv({});
    expect(e.DATABASE_URL).toBe("file:./data/app.db");
    expect(e.HOST).toBe("127.0.0.1");
    expect(e.PORT).toBe(3000);
    expect(e.SQLITE_SYNCHRONOUS).toBe("FULL");
    expect(e.EMBEDDED_WORKER).toBe(true);
    expect(e.WORKER_CONCURRENCY).toBe(8);
    expect(e.databaseKind).toBe("sqlite");
    expect(e.nextAuthUrl).toBe("http://127.0.0.1:3000");
  });

  it("names every bad variable and what it expects", () => {
    let err: unknown;
    try {
      parseEnv({ PORT: "eighty", SQLITE_SYNCHRONOUS: "OFF", DATABASE_URL: "mysql://x", EMBEDDED_WORKER: "maybe" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT="eighty": expected a port number');
    expect(msg).toContain('SQLITE_SYNCHRONOUS="OFF": expected FULL or NORMAL');
    expect(msg).toContain('DATABASE_URL="mysql://x": expected file:<path> (SQLite) or postgresql://');
    expect(msg).toContain("EMBEDDED_WORKER");
  });

  it("recognises PostgreSQL and parses the host allow-list", () => {
    const e = parseEnv({ DATABASE_URL: "postgresql://u:p@db:5432/wf", HTTP_ALLOW_HOSTS: " Example.com, 10.0.0.5 ,", PORT: "8080" });
    expect(e.databaseKind).toBe("postgresql");
    expect(e.HTTP_ALLOW_HOSTS).toEqual(["example.com", "10.0.0.5"]);
    expect(e.nextAuthUrl).toBe("http://127.0.0.1:8080");
  });

  it("reads TRUST_PROXY as a number of proxies, and names what it expects", () => {
    expect(parseEnv({}).TRUST_PROXY).toBe(0);
    expect(parseEnv({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(parseEnv({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(parseEnv({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(0);
    expect(() => parseEnv({ TRUST_PROXY: "loopback" })).toThrow(/TRUST_PROXY="loopback": expected false, true or the number of proxies/);
  });
});
