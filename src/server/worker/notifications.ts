/**
 * Gate notifications: webhook deliveries (our JSON or Slack incoming-webhook text), signed with
 * HMAC-SHA256 over `<timestamp>.<body>` in `X-WF-Signature: sha256=<hex>` (timestamp in
 * `X-WF-Timestamp`, seconds), through the same SSRF guard as http steps (HTTP_ALLOW_HOSTS), retried
 * with backoff (1 s, 2 s, 4 s, 8 s, 16 s) through the task queue; and escalations when they are due.
 */
import { createHmac } from "node:crypto";
import type { Logger } from "~/engine/ports";
import { createGuardedHttpClient } from "~/server/executors";
import { maskUrlCredentials } from "~/server/http/mask-url-credentials";
import type { EngineStore, GateNotification, JobTask } from "~/server/store/engine-store";

export const MAX_DELIVERIES = 6;
/** @default 256 KiB: the largest body one delivery sends (WEBHOOK_PAYLOAD_MAX_BYTES). */
export const DEFAULT_WEBHOOK_PAYLOAD_MAX_BYTES = 256 * 1024;
/** What a receiver may answer that is read (the answer is not used: only its status). */
const RESPONSE_MAX_BYTES = 64 * 1024;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function webhookBody(n: GateNotification, format: string, baseUrl: string): Record<string, unknown> {
  const link = `${baseUrl}/runs/${encodeURIComponent(n.runId)}`;
  if (format === "slack") {
    const what = n.event === "gate.escalated" ? `Escalated to ${n.escalatedTo?.join(", ")}: gate` : "Approval needed: gate";
    return { text: `${what} *${n.stepId}* of workflow *${n.workflow}* is waiting. <${link}|Open the run>` };
  }
  return { ...n, url: link, expiresAt: n.expiresAt === null ? null : new Date(n.expiresAt).toISOString() };
}

/**
 * The JSON text of a delivery, or why it is not sent: a body over `maxBytes` (names carried in a
 * notification are bounded, so this only trips on a misconfiguration) is refused, never cut.
 */
export function webhookPayload(n: GateNotification, format: string, baseUrl: string, maxBytes: number): { ok: true; body: Record<string, unknown>; text: string } | { ok: false; message: string } {
  const body = webhookBody(n, format, baseUrl);
  const text = JSON.stringify(body);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    return { ok: false, message: `webhook payload of ${bytes.toLocaleString("en")} bytes is over WEBHOOK_PAYLOAD_MAX_BYTES (${maxBytes.toLocaleString("en")}): not sent` };
  }
  return { ok: true, body, text };
}

export function createJobRunner(options: { store: EngineStore; allowHosts: readonly string[]; baseUrl: string; logger: Logger; onQueued: () => void; maxPayloadBytes?: number }) {
  const { store, logger } = options;
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_WEBHOOK_PAYLOAD_MAX_BYTES;
  const http = createGuardedHttpClient({ allowHosts: options.allowHosts, defaultTimeoutMs: 10_000, idempotencyHeader: false, maxRedirects: 0, maxResponseBytes: RESPONSE_MAX_BYTES });

  async function deliver(job: JobTask, owner: string): Promise<void> {
    const p = job.payload as { endpointId: string; notification: GateNotification };
    const rows = await store.sql.read<{ url: string; format: string; secret: string; enabled: number | boolean }>(
      'SELECT "url", "format", "secret", "enabled" FROM "WebhookEndpoint" WHERE "id" = ?',
      [p.endpointId],
    );
    const endpoint = rows[0];
    if (!endpoint || !endpoint.enabled) return store.settleJob(job, owner);
    const payload = webhookPayload(p.notification, endpoint.format, options.baseUrl, maxPayloadBytes);
    if (!payload.ok) {
      logger.error("webhook not sent", { url: maskUrlCredentials(endpoint.url), error: payload.message });
      return store.settleJob(job, owner);
    }
    const body = payload.body;
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await http.request(
      {
        method: "POST",
        url: endpoint.url,
        headers: {
          "X-WF-Event": p.notification.event,
          "X-WF-Delivery": String(job.taskId),
          "X-WF-Timestamp": String(timestamp),
          "X-WF-Signature": signWebhook(endpoint.secret, timestamp, payload.text),
        },
        body: body as never,
      },
      { signal: AbortSignal.timeout(10_000), redact: [endpoint.secret], idempotencyKey: `webhook:${job.taskId}` },
    );
    if (result.ok) return store.settleJob(job, owner);
    // The endpoint's URL may carry credentials (https://user:pass@host): never in a log line.
    const url = maskUrlCredentials(endpoint.url);
    if (job.claims + 1 >= MAX_DELIVERIES) {
      logger.warn("webhook given up", { url, deliveries: job.claims + 1, error: result.error.message });
      return store.settleJob(job, owner);
    }
    logger.warn("webhook failed; will retry", { url, attempt: job.claims + 1, error: result.error.message });
    return store.settleJob(job, owner, Date.now() + 1000 * 2 ** job.claims);
  }

  return async (job: JobTask, owner: string): Promise<void> => {
    if (job.kind === "escalate") {
      if (await store.escalate(job, owner)) options.onQueued();
      return;
    }
    await deliver(job, owner);
  };
}
