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

  it("reads the sandbox and the step limits (sizes and durations as workflows write them), and names what it expects", () => {
    const e = parseEnv({});
    expect([e.SHELL_SANDBOX, e.SHELL_SANDBOX_UID, e.SHELL_SANDBOX_GID]).toEqual([undefined, 65534, 65534]);
    expect([e.STEP_MEMORY_MAX, e.STEP_CPU_TIME_MAX, e.STEP_PROCESSES_MAX, e.STEP_LOG_MAX_BYTES]).toEqual([2 * 1024 ** 3, 600, 256, 10 * 1024 * 1024]);
    const f = parseEnv({ SHELL_SANDBOX: "none", STEP_MEMORY_MAX: "512MB", STEP_CPU_TIME_MAX: "1500ms", STEP_PROCESSES_MAX: "64" });
    expect([f.SHELL_SANDBOX, f.STEP_MEMORY_MAX, f.STEP_CPU_TIME_MAX, f.STEP_PROCESSES_MAX]).toEqual(["none", 512 * 1024 ** 2, 2, 64]);
    expect(parseEnv({ STEP_MEMORY_MAX: "1073741824" }).STEP_MEMORY_MAX).toBe(1024 ** 3);
    expect(() => parseEnv({ SHELL_SANDBOX: "docker" })).toThrow('SHELL_SANDBOX="docker": expected bwrap or none');
    expect(() => parseEnv({ STEP_MEMORY_MAX: "2 GB" })).toThrow(/STEP_MEMORY_MAX="2 GB": expected a size such as 512MB/);
    expect(() => parseEnv({ STEP_MEMORY_MAX: "1MB" })).toThrow(/STEP_MEMORY_MAX="1MB": expected at least 16MB/);
    expect(() => parseEnv({ STEP_CPU_TIME_MAX: "10 minutes" })).toThrow(/STEP_CPU_TIME_MAX="10 minutes": expected a duration/);
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
