/**
 * Gate notifications end to end on a real database and a real local HTTP receiver: signed JSON and
 * Slack deliveries when a gate opens, a retry after a failing delivery, and an escalation.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { newId } from "~/server/ids";
import { saveWorkflow } from "~/server/services/workflows";
import { createWebhook } from "~/server/services/webhooks";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { createJobRunner } from "./notifications";
import { Worker } from "./worker";

type Delivery = { headers: IncomingMessage["headers"]; body: string; path: string };

describe("gate notifications", () => {
  const deliveries: Delivery[] = [];
  let failNext = 0;
  let base = "";
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end("try later");
        return;
      }
      deliveries.push({ headers: req.headers, body, path: req.url ?? "" });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  let worker: Worker;
  let team: { id: string; name: string };
  let secrets: { json: string; slack: string };

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    await migrateTestDb();
    team = await createTeam("Hooks");
    const admin = await createUserWithRoles(team.id, "admin@hooks.io", ["admin"]);
    secrets = {
      json: (await createWebhook(admin, { url: `${base}/json`, format: "json" })).secret,
      slack: (await createWebhook(admin, { url: `${base}/slack`, format: "slack" })).secret,
    };
    await saveWorkflow(team, { yaml: "name: gate\nsteps:\n  - { id: review, type: approval, approval: { escalate: { after: 300ms, roles: [admin] } } }\n" });
    const store = engineStore();
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    worker = new Worker({ store, executors: {}, pollMs: 20, onJob: createJobRunner({ store, allowHosts: ["127.0.0.1"], baseUrl: "http://wf.example", logger, onQueued: () => worker.wake() }) }).start();
  });

  afterAll(async () => {
    await worker.stop(1000);
    server.close();
  });

  async function waitFor(pred: () => boolean, ms = 10_000) {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out; deliveries: ${deliveries.map((d) => d.path).join(", ")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it("signs each delivery, retries a failed one, and escalates a gate still pending", { timeout: 30_000 }, async () => {
    failNext = 1; // the first delivery fails with 500 and is retried
    const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name: "gate" } } });
    const runId = newId("run");
    await engineStore().startRun({ runId, teamId: team.id, workflowId: v.workflowId, workflowVersionId: v.id, version: v.version });
    worker.wake();

    await waitFor(() => deliveries.filter((d) => d.body.includes("gate.opened") || d.body.includes("Approval needed")).length >= 2);
    const json = deliveries.find((d) => d.path === "/json" && d.body.includes("gate.opened"));
    if (!json) throw new Error("no JSON delivery");
    const ts = String(json.headers["x-wf-timestamp"]);
    expect(json.headers["x-wf-signature"]).toBe(`sha256=${createHmac("sha256", secrets.json).update(`${ts}.${json.body}`).digest("hex")}`);
    expect(JSON.parse(json.body)).toMatchObject({ event: "gate.opened", runId, stepId: "review", workflow: "gate", url: `http://wf.example/runs/${runId}` });
    const slack = deliveries.find((d) => d.path === "/slack" && d.body.includes("Approval needed"));
    expect(JSON.parse(slack?.body ?? "{}").text).toContain("*review*");

    await waitFor(() => deliveries.some((d) => d.body.includes("gate.escalated") || d.body.includes("Escalated to")));
    const escalated = deliveries.find((d) => d.path === "/json" && d.body.includes("gate.escalated"));
    expect(JSON.parse(escalated?.body ?? "{}")).toMatchObject({ event: "gate.escalated", escalatedTo: ["admin"] });
    expect(await db.auditLog.count({ where: { teamId: team.id, action: "gate.escalated" } })).toBe(1);
    // Every delivery settles its task (the failed one was retried, not duplicated): none is left.
    await waitFor(() => deliveries.filter((d) => d.body.includes("gate.escalated") || d.body.includes("Escalated to")).length >= 2);
    let left = -1;
    for (let i = 0; i < 100 && left !== 0; i++) {
      left = await db.task.count({ where: { runId, kind: { in: ["webhook", "escalate"] } } });
      if (left) await new Promise((r) => setTimeout(r, 20));
    }
    expect(left).toBe(0);
    expect(deliveries.filter((d) => d.path === "/json" && d.body.includes("gate.opened"))).toHaveLength(1);
  });
});
