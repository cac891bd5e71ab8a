import { describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes";
import { ConfigError, loadConfig, MISSING_TOKEN } from "./load-config";

describe("loadConfig", () => {
  it("defaults the server, trims a trailing slash, lets flags win over the environment", () => {
    expect(loadConfig({}, { WF_TOKEN: "t" })).toEqual({ server: "http://127.0.0.1:3000", token: "t", pollMs: 1000 });
    expect(loadConfig({}, { WF_TOKEN: "t", WF_SERVER: "https://wf.example.com/", WF_POLL_MS: "50" })).toMatchObject({ server: "https://wf.example.com", pollMs: 50 });
    expect(loadConfig({ server: "http://x:1", token: "flag" }, { WF_TOKEN: "env", WF_SERVER: "http://y:2" })).toMatchObject({ server: "http://x:1", token: "flag" });
  });

  it("a missing or blank token is a configuration error that says how to get one", () => {
    for (const env of [{}, { WF_TOKEN: "" }, { WF_TOKEN: "  " }]) {
      const err = (() => {
        try {
          loadConfig({}, env);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect(err).toMatchObject({ exitCode: EXIT.usage, message: `no API token: ${MISSING_TOKEN}` });
    }
  });

  it("names the bad variable or flag", () => {
    expect(() => loadConfig({}, { WF_TOKEN: "t", WF_SERVER: "localhost:3000" })).toThrow(/^WF_SERVER must be an http\(s\) URL/);
    expect(() => loadConfig({ server: "ftp://x" }, { WF_TOKEN: "t" })).toThrow(/^--server must be an http\(s\) URL/);
    expect(() => loadConfig({}, { WF_TOKEN: "t", WF_POLL_MS: "soon" })).toThrow("WF_POLL_MS must be milliseconds");
  });
});
