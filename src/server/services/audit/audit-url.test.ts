import { describe, expect, it } from "vitest";
import { auditUrl } from "./audit-url";

describe("auditUrl", () => {
  it("masks user info and query values, keeps host and path", () => {
    expect(auditUrl("https://bob:hunter2@hooks.example.com:8443/notify/x?token=abc123&token=def&v=1#frag")).toBe("https://***@hooks.example.com:8443/notify/x?token=***&v=***");
    expect(auditUrl("https://alice@hooks.example.com/a")).toBe("https://***@hooks.example.com/a");
  });

  it("leaves a URL without credentials as it is, and never echoes what is not a URL", () => {
    expect(auditUrl("http://127.0.0.1:9000/hook")).toBe("http://127.0.0.1:9000/hook");
    expect(auditUrl("not a url with secret s3cr3t")).toBe("[not a URL]");
  });
});
