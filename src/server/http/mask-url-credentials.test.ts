import { describe, expect, it } from "vitest";
import { maskUrlCredentials, maskUrlCredentialsDeep } from "./mask-url-credentials";

describe("maskUrlCredentials", () => {
  it("masks user and password of a URL, alone or inside a text", () => {
    expect(maskUrlCredentials("https://bob:s3cret@hooks.example.com/x?y=1")).toBe("https://***@hooks.example.com/x?y=1");
    expect(maskUrlCredentials("POST http://TOKEN123@10.0.0.1:8080/hook failed")).toBe("POST http://***@10.0.0.1:8080/hook failed");
    expect(maskUrlCredentials("a https://u:p@a.io and ftp://x:y@b.io")).toBe("a https://***@a.io and ftp://***@b.io");
  });

  it("masks a password with a raw @ whole", () => {
    expect(maskUrlCredentials("https://u:p@ss@host.io/path")).toBe("https://***@host.io/path");
  });

  it("leaves URLs without credentials and e-mail addresses alone", () => {
    expect(maskUrlCredentials("https://host.io/a@b")).toBe("https://host.io/a@b");
    expect(maskUrlCredentials("mail ann@x.io")).toBe("mail ann@x.io");
    expect(maskUrlCredentials("https://host.io/?to=ann@x.io")).toBe("https://host.io/?to=ann@x.io");
  });

  it("masks nested fields of a log record, leaving Errors to their serializer", () => {
    const err = new Error("x");
    const out = maskUrlCredentialsDeep({ url: "https://a:b@h.io/", nested: { list: ["http://c:d@h.io"] }, err, n: 1 });
    expect(out).toEqual({ url: "https://***@h.io/", nested: { list: ["http://***@h.io"] }, err, n: 1 });
    expect(out.err).toBe(err);
  });
});
