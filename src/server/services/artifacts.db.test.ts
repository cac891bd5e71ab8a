/**
 * Artifacts cannot escape: real shell steps (run by a real worker) replace parts of their own
 * `$WF_ARTIFACTS` with symbolic links, and every way of reading artifacts (the list, the service's
 * open, the HTTP download route) must stay inside the configured workspaces root.
 *
 *   attack (one step, auto):  writes report.txt, then replaces a directory with a link
 *   swap:  a (writes report.txt; gate) ──► b (replaces a's attempt directory with a link)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as downloadRoute } from "~/app/api/v1/runs/[id]/steps/[stepId]/artifacts/[attempt]/[...name]/route";
import { env } from "~/env";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { createNoopExecutor, createShellExecutor } from "~/server/executors";
import { engineStore } from "~/server/store/instance";
import { createTeam, createUserWithRoles, migrateTestDb } from "~/server/testing/seed";
import { Worker } from "~/server/worker/worker";
import { decideApproval, listApprovals } from "./approvals";
import { listArtifacts, openArtifact } from "./artifacts";
import { startRun } from "./runs";
import { createToken } from "./tokens";
import { saveWorkflow } from "./workflows";

let operator: Actor;
let approver: Actor;
let viewerToken: string;

/** Outside every workspace, in DATA_DIR: what a link should never reveal. */
const elsewhere = () => join(env.dataDir, "elsewhere");

async function until<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function runToEnd(name: string, steps: string, approvalMode: "auto" | "interactive" = "auto"): Promise<string> {
  await saveWorkflow({ id: operator.teamId, name: operator.teamName }, { yaml: `name: ${name}\nsteps:\n${steps}` });
  const run = await startRun(operator, { workflow: name, approvalMode });
  if (approvalMode === "auto") await until(async () => ((await db.run.findUniqueOrThrow({ where: { id: run.id } })).status === "succeeded" ? true : undefined));
  return run.id;
}

async function download(runId: string, stepId: string, name: string): Promise<{ status: number; body: string }> {
  const res = await downloadRoute(new Request(`http://127.0.0.1/api/v1/runs/${runId}/steps/${stepId}/artifacts/1/${name}`, { headers: { authorization: `Bearer ${viewerToken}` } }), {
    params: Promise.resolve({ id: runId, stepId, attempt: "1", name: name.split("/") }),
  });
  return { status: res.status, body: await res.text() };
}

/** The step writes report.txt, then runs `attack` (shell). `$DATA` is DATA_DIR, as the step can compute it. */
const attackStep = (attack: string) =>
  `  - id: s\n    type: shell\n    params:\n      command: ${JSON.stringify(`DATA=$(dirname "$(dirname "$WF_WORKSPACE")"); echo ok > "$WF_ARTIFACTS/report.txt"; ${attack}`)}\n`;

describe("artifacts behind symbolic links a step leaves", () => {
  beforeAll(async () => {
    await migrateTestDb();
    const team = await createTeam("Artifacts");
    operator = await createUserWithRoles(team.id, "op@a.io", ["operator", "editor"]);
    approver = await createUserWithRoles(team.id, "ap@a.io", ["approver"]);
    const admin = await createUserWithRoles(team.id, "admin@a.io", ["admin"]);
    const viewer = await createUserWithRoles(team.id, "viewer@a.io", ["viewer"]);
    viewerToken = (await createToken(admin, { name: "viewer", role: "viewer", user: viewer.userId })).secret;
    // DATA_DIR/secret.txt and DATA_DIR/elsewhere/{report.txt,1/report.txt,s/1/report.txt}: "secret".
    writeFileSync(join(env.dataDir, "secret.txt"), "secret");
    mkdirSync(join(elsewhere(), "s", "1"), { recursive: true });
    mkdirSync(join(elsewhere(), "1"), { recursive: true });
    for (const f of ["report.txt", "1/report.txt", "s/1/report.txt", "artifacts/s/1/report.txt"]) {
      mkdirSync(join(elsewhere(), f, ".."), { recursive: true });
      writeFileSync(join(elsewhere(), f), "secret");
    }
    const w = new Worker({
      store: engineStore(),
      executors: { noop: createNoopExecutor(), shell: createShellExecutor({ dataDir: env.dataDir, baseEnv: { PATH: "/usr/local/bin:/usr/bin:/bin" } }) },
      pollMs: 10,
    }).start();
    return () => w.stop(2000);
  });

  it("an attempt directory replaced by a link to / lists nothing and opens nothing (not /etc/passwd)", async () => {
    const runId = await runToEnd("to-root", attackStep(`rm -rf "$WF_ARTIFACTS"; ln -s / "$WF_ARTIFACTS"`));
    expect((await listArtifacts(operator, { id: runId, stepId: "s" })).items).toEqual([]);
    for (const name of ["etc/passwd", "report.txt"]) {
      await expect(openArtifact(operator, { id: runId, stepId: "s", attempt: 1, name }), name).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    expect(await download(runId, "s", "etc/passwd")).toMatchObject({ status: 404 });
  });

  it("an attempt directory replaced by a link into DATA_DIR does not reveal the server's files", async () => {
    const runId = await runToEnd("to-data", attackStep(`rm -rf "$WF_ARTIFACTS"; ln -s "$DATA" "$WF_ARTIFACTS"`));
    expect((await listArtifacts(operator, { id: runId, stepId: "s" })).items).toEqual([]);
    await expect(openArtifact(operator, { id: runId, stepId: "s", attempt: 1, name: "secret.txt" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await download(runId, "s", "secret.txt")).toMatchObject({ status: 404 });
  });

  it("a parent replaced by a link (the step's directory, .wf/artifacts, .wf) leads nowhere either", async () => {
    const parents = {
      step: `rm -rf "$WF_WORKSPACE/.wf/artifacts/s"; ln -s "$DATA/elsewhere" "$WF_WORKSPACE/.wf/artifacts/s"`,
      artifacts: `rm -rf "$WF_WORKSPACE/.wf/artifacts"; ln -s "$DATA/elsewhere" "$WF_WORKSPACE/.wf/artifacts"`,
      // (.wf also holds $WF_OUTPUT: the step writes none, and the executor does not follow the link to read one.)
      wf: `mv "$WF_WORKSPACE/.wf" "$WF_WORKSPACE/.wf-old"; ln -s "$DATA/elsewhere" "$WF_WORKSPACE/.wf"`,
    };
    for (const [which, attack] of Object.entries(parents)) {
      const runId = await runToEnd(`parent-${which}`, attackStep(attack));
      expect((await listArtifacts(operator, { id: runId, stepId: "s" })).items, which).toEqual([]);
      await expect(openArtifact(operator, { id: runId, stepId: "s", attempt: 1, name: "report.txt" }), which).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect(await download(runId, "s", "report.txt"), which).toMatchObject({ status: 404 });
    }
  });

  it("a link swapped in after the listing (by the run's next step) is not followed by the download", async () => {
    const runId = await runToEnd(
      "swap",
      `  - id: s\n    type: shell\n    approval: {}\n    params: { command: 'echo ok > "$WF_ARTIFACTS/report.txt"' }\n` +
        `  - id: b\n    type: shell\n    needs: [s]\n    params:\n      command: ${JSON.stringify(`DATA=$(dirname "$(dirname "$WF_WORKSPACE")"); d="$WF_WORKSPACE/.wf/artifacts/s/1"; mv "$d" "$d.old"; ln -s "$DATA/elsewhere" "$d"`)}\n`,
      "interactive",
    );
    const gate = await until(async () => (await listApprovals(approver, { runId, status: "pending" }))[0]);
    // Listed and downloadable while it is the step's own file.
    expect((await listArtifacts(approver, { id: runId, stepId: "s" })).items).toEqual([{ name: "report.txt", size: 3 }]);
    expect(await download(runId, "s", "report.txt")).toEqual({ status: 200, body: "ok\n" });
    await decideApproval(approver, { id: gate.id, action: "approve" });
    await until(async () => ((await db.run.findUniqueOrThrow({ where: { id: runId } })).status === "succeeded" ? true : undefined));
    // elsewhere/report.txt exists and says "secret": the swapped-in link must not lead there.
    await expect(openArtifact(approver, { id: runId, stepId: "s", attempt: 1, name: "report.txt" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await download(runId, "s", "report.txt")).toMatchObject({ status: 404 });
    expect((await listArtifacts(approver, { id: runId, stepId: "s" })).items).toEqual([]);
  });
});
