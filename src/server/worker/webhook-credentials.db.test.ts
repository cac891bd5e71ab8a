/**
 * A webhook URL with credentials (http://user:pass@host/...) is delivered with them (Basic auth),
 * but they never appear in a log line of a failing delivery nor in the API's webhook list.
 */
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { newId } from "~/server/ids";
import { createWebhook, listWebhooks } from "~/server/services/webhooks";
import { saveWorkflow } from "~/server/services/workflows";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import type { Actor } from "~/server/auth/actor";
import { createJobRunner } from "./notifications";
import { Worker } from "./worker";

describe("webhook URLs with credentials", () => {
  const authorizations: string[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? "");
    req.resume();
    req.on("end", () => res.writeHead(500).end("down"));
  });
  const logged: { message: string; fields?: Record<string, unknown> }[] = [];
  let worker: Worker;
  let admin: Actor;
  let team: { id: string; name: string };
  let url = "";

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    url = `http://hook-user:pa55word@127.0.0.1:${typeof address === "object" && address ? address.port : 0}/in`;
    await migrateTestDb();
    team = await createTeam("Creds");
    admin = await createUserWithRoles(team.id, "admin@creds.io", ["admin"]);
    await saveWorkflow(team, { yaml: "name: gate\nsteps:\n  - { id: review, type: approval }\n" });
    const store = engineStore();
    const keep = (message: string, fields?: Record<string, unknown>) => logged.push({ message, fields });
    const logger = { debug: keep, info: keep, warn: keep, error: keep };
    worker = new Worker({ store, executors: {}, pollMs: 20, onJob: createJobRunner({ store, allowHosts: ["127.0.0.1"], baseUrl: "http://wf.example", logger, onQueued: () => worker.wake() }) }).start();
  });

  afterAll(async () => {
    await worker.stop(1000);
    server.close();
  });

  it("masks them in the API's answers", async () => {
    const created = await createWebhook(admin, { url, format: "json" });
    expect(created.webhook.url).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/in$/);
    const listed = await listWebhooks(admin);
    expect(listed.map((w) => w.url)).toEqual([created.webhook.url]);
    expect(JSON.stringify(listed)).not.toContain("pa55word");
  });

  it("delivers with them, and masks them in the log of a failed delivery", { timeout: 20_000 }, async () => {
    const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: "gate" } } });
    await engineStore().startRun({ runId: newId("run"), teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version });
    worker.wake();
    const deadline = Date.now() + 15_000;
    while (!logged.some((l) => l.message.startsWith("webhook failed"))) {
      if (Date.now() > deadline) throw new Error(`no failed delivery logged: ${JSON.stringify(logged)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(authorizations[0]).toBe(`Basic ${Buffer.from("hook-user:pa55word").toString("base64")}`);
    const text = JSON.stringify(logged);
    expect(text).not.toContain("pa55word");
    expect(text).not.toContain("hook-user");
    const failed = logged.find((l) => l.message.startsWith("webhook failed"));
    expect(failed?.fields?.url).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/in$/);
  });
});
