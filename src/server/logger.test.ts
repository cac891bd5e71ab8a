import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger(stream) };
}

describe("logger", () => {
  it("masks credentials in URLs in fields and messages, and redacts secrets by key", () => {
    const { lines, logger } = capture();
    logger.error({ url: "https://hook:pa55word@hooks.example.com/in", job: { target: "http://tok3n@10.0.0.1/x" }, secret: "whsec_1" }, "POST https://hook:pa55word@hooks.example.com/in failed");
    const text = lines.join("");
    expect(text).not.toContain("pa55word");
    expect(text).not.toContain("tok3n");
    expect(text).not.toContain("whsec_1");
    const rec = JSON.parse(text) as { url: string; job: { target: string }; msg: string };
    expect(rec.url).toBe("https://***@hooks.example.com/in");
    expect(rec.job.target).toBe("http://***@10.0.0.1/x");
    expect(rec.msg).toBe("POST https://***@hooks.example.com/in failed");
  });
});
