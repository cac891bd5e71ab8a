import { describe, expect, it } from "vitest";
import { webhookPayload } from "./notifications";

const notification = { event: "gate.opened" as const, gateId: "run_1:review:1", runId: "run_1", stepId: "review", workflow: "release", expiresAt: null };

describe("outbound webhook payloads are bounded (WEBHOOK_PAYLOAD_MAX_BYTES)", () => {
  it("signs and sends exactly the JSON text it measured", () => {
    const p = webhookPayload(notification, "json", "http://wf.example", 4096);
    expect(p.ok).toBe(true);
    if (p.ok) expect(p.text).toBe(JSON.stringify(p.body));
  });

  it("refuses a payload over the limit instead of sending it or cutting it", () => {
    const long = { ...notification, workflow: "w".repeat(5000) };
    for (const format of ["json", "slack"]) {
      const p = webhookPayload(long, format, "http://wf.example", 4096);
      expect(p).toMatchObject({ ok: false });
      if (!p.ok) expect(p.message).toMatch(/^webhook payload of [\d,]+ bytes is over WEBHOOK_PAYLOAD_MAX_BYTES \(4,096\): not sent$/);
    }
  });
});
