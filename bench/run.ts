/**
 * `npm run bench [-- --json] [-- --db postgres --workers N] [-- --only chain|fan]`: noop steps through the real store and
 * worker (one process, like the embedded worker), on a fresh SQLite database per `synchronous`
 * setting (FULL and NORMAL), or on a fresh database of the TEST_DATABASE_URL PostgreSQL server.
 * Warms up with ~6,000 steps first. Prints figures, never pass/fail.
 *
 *   chain-N      a1 -> a2 -> ... -> aN                (per-step latency of a dependency chain)
 *   fan 1->N->1  a -> {b1..bN} -> z                   (fan-out and fan-in)
 *   runs1000     1,000 concurrent runs of a 3-step chain (throughput)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const args = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    db: { type: "string", default: "sqlite" },
    sync: { type: "string", default: "FULL,NORMAL" },
    concurrency: { type: "string", default: "64" },
    workers: { type: "string", default: "1" },
    quick: { type: "boolean", default: false },
    only: { type: "string" },
  },
}).values;

type Figures = Record<string, number | string>;

async function benchOnce(synchronous: "FULL" | "NORMAL" | "n/a", databaseUrl: string, dataDir: string): Promise<Figures> {
  // The app's modules read their configuration once, from the environment: set it before loading.
  process.env.DATABASE_URL = databaseUrl;
  process.env.DATA_DIR = dataDir;
  process.env.SQLITE_SYNCHRONOUS = synchronous === "n/a" ? "FULL" : synchronous;
  process.env.LOG_LEVEL = "error";
  process.env.NEXTAUTH_SECRET ??= "bench-secret-bench-secret-bench";
  const { env } = await import("~/env");
  const { migrate } = await import("~/server/db/migrate");
  await migrate({ databaseUrl: env.DATABASE_URL, synchronous: env.SQLITE_SYNCHRONOUS });
  const { db } = await import("~/server/db");
  const { newId } = await import("~/server/ids");
  const { saveWorkflow } = await import("~/server/services/workflows");
  const { createSqlDb } = await import("~/server/store/create-engine-store");
  const { observeSql } = await import("~/server/store/sql");
  const { EngineStore } = await import("~/server/store/engine-store");
  const { Worker } = await import("~/server/worker/worker");
  const { notifyWork, onWork, setRemoteNotify, wakeLocal } = await import("~/server/worker/hub");
  const { startPgWakeups } = await import("~/server/worker/pg-wakeups");

  const team = await db.team.create({ data: { id: newId("team"), name: `bench-${Date.now()}` } });
  // --workers N: N-1 standalone worker processes beside this process's worker (scale-out figures).
  const { spawn } = await import("node:child_process");
  const extra = Array.from({ length: Math.max(0, Number(args.workers) - 1) }, () =>
    spawn(process.execPath, ["--import", "tsx", "src/server/worker/main.ts"], {
      env: { ...process.env, WORKER_CONCURRENCY: String(args.concurrency), LOG_LEVEL: "error", NODE_ENV: "production" },
      stdio: "ignore",
    }),
  );
  // The store's SQL handle, counting transactions and statements (for the per-step profile).
  const counts = { tx: 0, statements: 0 };
  const sql = createSqlDb();
  const counted = observeSql(sql, { tx: () => counts.tx++, statement: () => counts.statements++ });
  const store = new EngineStore(counted, { leaseMs: 60_000 });
  // Who starts runs: on SQLite the worker's own store, as in `npm start` (API and embedded worker
  // share one process and connection); on PostgreSQL another process's, as when the app server
  // starts runs that standalone workers run (its own connections, nothing known to the workers).
  const starter = sql.kind === "postgresql" ? new EngineStore(createSqlDb(), { leaseMs: 60_000 }) : store;
  const issued = new Map<string, number>();
  const startDelays: number[] = [];
  let measureDelays = false;
  // Wired as `npm start` wires its embedded worker: woken in-process when a run starts here, on
  // PostgreSQL by the other processes' NOTIFY, and polling at WORKER_POLL_MS as the fallback.
  const wakeups = sql.kind === "postgresql" ? startPgWakeups(env.DATABASE_URL, wakeLocal) : undefined;
  if (wakeups) setRemoteNotify(wakeups.notify);
  const worker = new Worker({
    store,
    concurrency: Number(args.concurrency),
    pollMs: env.WORKER_POLL_MS,
    onQueued: notifyWork,
    executors: {
      noop: {
        async execute(e) {
          if (measureDelays) {
            const at = issued.get(e.runId);
            if (at !== undefined) startDelays.push(performance.now() - at);
          }
          return { ok: true, output: {} };
        },
      },
    },
  }).start();
  onWork(() => worker.wake());

  const versions = new Map<string, { workflowId: string; workflowVersionId: string; version: number }>();
  async function define(name: string, yaml: string) {
    const saved = await saveWorkflow(team, { yaml: `name: ${name}\n${yaml}` });
    const v = await db.workflowVersion.findFirstOrThrow({ where: { workflow: { teamId: team.id, name }, version: saved.version } });
    versions.set(name, { workflowId: v.workflowId, workflowVersionId: v.id, version: v.version });
  }
  const chain = (n: number) => "steps:\n" + Array.from({ length: n }, (_, i) => `  - { id: s${i}, type: noop${i ? `, needs: [s${i - 1}]` : ""} }`).join("\n");
  const fan = (n: number) =>
    "steps:\n  - { id: a, type: noop }\n" +
    Array.from({ length: n }, (_, i) => `  - { id: b${i}, type: noop, needs: [a] }`).join("\n") +
    `\n  - { id: z, type: noop, needs: [${Array.from({ length: n }, (_, i) => `b${i}`).join(", ")}] }`;

  // Runs end inside the worker's commits: watch those instead of polling the database (a poll
  // every millisecond would compete with the worker for the CPU and, on PostgreSQL, the server).
  const ended = new Map<string, () => void>();
  const processEvents = store.processEvents.bind(store);
  store.processEvents = async (...a) => {
    const result = await processEvents(...a);
    for (const id of result.finished) ended.get(id)?.();
    return result;
  };
  // Runs that end in another worker process: on PostgreSQL a trigger in the bench's own database
  // tells this process at once (waiting for the fallback look would add up to 250 ms to a figure).
  let listener: import("pg").Client | undefined;
  if (sql.kind === "postgresql") {
    const pg = (await import("pg")).default;
    listener = new pg.Client({ connectionString: env.DATABASE_URL });
    // (Dropping the bench's database at the end, or after a failure, ends this connection.)
    listener.on("error", () => undefined);
    await listener.connect();
    await listener.query(`CREATE FUNCTION bench_run_ended() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('bench_run_ended', NEW."id"); RETURN NEW; END $$`);
    await listener.query(`CREATE TRIGGER bench_run_ended AFTER UPDATE OF "status" ON "Run" FOR EACH ROW WHEN (NEW."status" IN ('succeeded', 'failed', 'cancelled')) EXECUTE FUNCTION bench_run_ended()`);
    listener.on("notification", (n) => n.payload && ended.get(n.payload)?.());
    await listener.query("LISTEN bench_run_ended");
  }
  async function waitAll(ids: string[]) {
    const done = ids.map((id) => new Promise<void>((resolve) => ended.set(id, resolve)));
    // A slow fallback look, and the final check that every run succeeded.
    const look = setInterval(() => {
      void store.sql.read<{ id: string; status: string }>(`SELECT "id", "status" FROM "Run" WHERE "id" IN (${ids.map(() => "?").join(",")}) AND "status" IN ('succeeded','failed','cancelled')`, ids).then((rows) => {
        for (const r of rows) ended.get(r.id)?.();
      });
    }, 250);
    await Promise.all(done);
    clearInterval(look);
    for (const id of ids) ended.delete(id);
    const failed = await store.sql.read<{ id: string; status: string }>(`SELECT "id", "status" FROM "Run" WHERE "id" IN (${ids.map(() => "?").join(",")}) AND "status" <> 'succeeded'`, ids);
    if (failed[0]) throw new Error(`bench run ${failed[0].id} ${failed[0].status}`);
  }

  /** Wall time of `count` runs of `name` started together, in ms (median of `repeat`). */
  async function time(name: string, count: number, repeat: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const v = versions.get(name);
      if (!v) throw new Error(name);
      const t0 = performance.now();
      const ids = Array.from({ length: count }, () => newId("run"));
      // Started as concurrent requests would start them: up to 16 at once (each its own transaction).
      let next = 0;
      const start = async () => {
        while (next < ids.length) {
          const runId = ids[next++] as string;
          issued.set(runId, performance.now());
          await starter.startRun({ runId, teamId: team.id, ...v });
          // (As the API does after a start: wake this process's worker, NOTIFY the others.)
          notifyWork();
        }
      };
      await Promise.all(Array.from({ length: Math.min(16, count) }, start));
      await waitAll(ids);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  }

  const quick = args.quick;
  await define("chain100", chain(100));
  await define("chain1000", chain(1000));
  await define("fan100", fan(100));
  await define("fan1000", fan(1000));
  await define("fan10000", fan(quick ? 2000 : 10_000));
  await define("small", chain(3));
  // Warm-up, about 6,000 steps through every path measured below: a long-running worker's steady
  // state (V8 optimises the store's hot functions only after a few thousand steps; the first
  // chain-1000 of a fresh process, reported as cold_chain1000_ms_per_step, runs before that),
  // prepared statements and the page cache.
  const out: Figures = {};
  out.cold_chain1000_ms_per_step = (await time("chain1000", 1, 1)) / 1000;
  for (let i = 0; i < 3; i++) await time("chain1000", 1, 1);
  await time("fan1000", 1, 1);
  await time("small", quick ? 50 : 200, 1);

  if (args.only === "fan") {
    out.fan10000_ms_per_step = (await time("fan10000", 1, 1)) / ((quick ? 2000 : 10_000) + 2);
    return finish();
  }
  out.chain100_ms_per_step = (await time("chain100", 1, 5)) / 100;
  out.chain1000_ms_per_step = (await time("chain1000", 1, quick ? 1 : 2)) / 1000;
  if (args.only === "chain") return finish();
  out.fan100_ms = await time("fan100", 1, 5);
  out.fan100_ms_per_step = (out.fan100_ms as number) / 102;
  out.fan1000_ms = await time("fan1000", 1, 3);
  out.fan10000_ms_per_step = (await time("fan10000", 1, 1)) / ((quick ? 2000 : 10_000) + 2);
  measureDelays = true;
  const runs = quick ? 200 : 1000;
  const t = await time("small", runs, 1);
  measureDelays = false;
  out.runs1000_steps_per_s = (runs * 3) / (t / 1000);
  // Delay from the moment the run was started to each first step's execution, p99: what a step
  // waits in the queue under a burst of 1,000 runs.
  startDelays.sort((a, b) => a - b);
  out.ready_to_start_p99_ms = startDelays[Math.floor(startDelays.length * 0.99)] ?? NaN;

  return finish();

  /** Transactions, statements and (SQLite) WAL pages written per step of one more chain-100 run. */
  async function profileChain() {
    const fs = await import("node:fs");
    const wal = join(dataDir, "bench.db-wal");
    if (sql.kind === "sqlite") {
      await store.sql.read("PRAGMA wal_autocheckpoint = 0");
      await store.sql.read("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    const before = { ...counts, wal: fs.existsSync(wal) ? fs.statSync(wal).size : 0 };
    await time("chain100", 1, 1);
    out.chain_tx_per_step = (counts.tx - before.tx) / 100;
    out.chain_statements_per_step = (counts.statements - before.statements) / 100;
    if (sql.kind === "sqlite") {
      out.chain_wal_pages_per_step = (fs.statSync(wal).size - before.wal) / (4096 + 24) / 100;
      await store.sql.read("PRAGMA wal_autocheckpoint = 1000");
    }
  }

  async function finish(): Promise<Figures> {
    // (With other worker processes the chain may run on one of them: this one counts only its own.)
    if (!extra.length) await profileChain();
    await worker.stop(5000);
    for (const p of extra) p.kill("SIGTERM");
    await listener?.end();
    await wakeups?.close();
    if (starter !== store) await starter.sql.close();
    if (env.databaseKind === "sqlite") out.sqlite_commit_us = await rawCommitUs(dataDir, synchronous === "NORMAL" ? "NORMAL" : "FULL");
    else Object.assign(out, await rawPostgresUs(env.DATABASE_URL));
    out.synchronous = synchronous;
    return out;
  }
}

/** Raw commit latency of one small INSERT in WAL with the same pragma, on the same disk. */
async function rawCommitUs(dir: string, synchronous: "FULL" | "NORMAL"): Promise<number> {
  const { createClient } = await import("@libsql/client");
  const c = createClient({ url: `file:${join(dir, "commit.db")}` });
  await c.execute("PRAGMA journal_mode = WAL");
  await c.execute(`PRAGMA synchronous = ${synchronous}`);
  await c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const n = 2000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await c.execute({ sql: "INSERT INTO t (v) VALUES (?)", args: [String(i)] });
  const us = ((performance.now() - t0) / n) * 1000;
  c.close();
  return us;
}

/**
 * PostgreSQL's floor in the same run, on the same server: one round trip (`SELECT 1`), and one
 * committed single-row UPDATE (a round trip and a WAL flush), prepared, 2,000 times each.
 */
async function rawPostgresUs(url: string): Promise<Figures> {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE "bench_commit" ("id" INTEGER PRIMARY KEY, "v" INTEGER)');
  await c.query('INSERT INTO "bench_commit" VALUES (1, 0)');
  const us = async (fn: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 200; i++) await fn(i);
    const n = 2000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn(i);
    return ((performance.now() - t0) / n) * 1000;
  };
  const out = {
    pg_roundtrip_us: await us(() => c.query({ name: "rt", text: "SELECT 1" })),
    pg_commit_us: await us((i) => c.query({ name: "commit", text: 'UPDATE "bench_commit" SET "v" = $1 WHERE "id" = 1', values: [i] })),
  };
  await c.end();
  return out;
}

const round = (v: number | string) => (typeof v === "number" ? Math.round(v * 1000) / 1000 : v);

async function main() {
  const machine = `${cpus()[0]?.model ?? "?"} x${cpus().length}, node ${process.version}`;
  const results: Record<string, Figures> = {};
  if (args.db === "postgres" || args.db === "postgresql") {
    const admin = process.env.TEST_DATABASE_URL;
    if (!admin) throw new Error("--db postgres needs TEST_DATABASE_URL (scripts/ci-postgres.sh prints one)");
    // A fresh database on that server, dropped afterwards: figures that do not depend on what
    // earlier runs left in the tables.
    const pg = (await import("pg")).default;
    const name = `wf_bench_${process.pid}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    try {
      results.postgresql = await benchOnce("n/a", url.toString(), mkdtempSync(join(tmpdir(), "wf-bench-")));
    } finally {
      await client.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await client.end();
    }
  } else {
    // Each setting in its own process, so module-level configuration is fresh.
    const syncs = String(args.sync).split(",") as ("FULL" | "NORMAL")[];
    if (syncs.length > 1) {
      const { execFileSync } = await import("node:child_process");
      for (const s of syncs) {
        const outText = execFileSync(process.execPath, ["--import", "tsx", process.argv[1] as string, "--json", "--sync", s, "--concurrency", String(args.concurrency), ...(args.quick ? ["--quick"] : []), ...(args.only ? ["--only", args.only] : [])], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        });
        results[s] = (JSON.parse(outText) as { results: Record<string, Figures> }).results[s] as Figures;
      }
    } else {
      const s = syncs[0] ?? "FULL";
      const dir = mkdtempSync(join(tmpdir(), "wf-bench-"));
      try {
        results[s] = await benchOnce(s, `file:${join(dir, "bench.db")}`, dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const first = Object.values(results)[0] ?? {};
  const settings = { machine, workers: Number(args.workers), concurrency: Number(args.concurrency), journal: "WAL", runs_n: args.quick ? 200 : 1000, fan_n: args.quick ? 2000 : 10_000 };
  if (args.json) {
    process.stdout.write(JSON.stringify({ ...Object.fromEntries(Object.entries(first).map(([k, v]) => [k, round(v)])), settings, results }) + "\n");
    process.exit(0);
  }
  const keys = Object.keys(first);
  const cols = Object.keys(results);
  const database = cols.includes("postgresql") ? "PostgreSQL (TEST_DATABASE_URL)" : "SQLite WAL, fresh file per setting";
  console.log(`wf bench — noop steps through the real store and ${settings.workers} worker(s) (${settings.machine}; worker concurrency ${settings.concurrency}; ${database})`);
  console.log(["figure".padEnd(24), ...cols.map((c) => c.padStart(12))].join(" "));
  for (const k of keys) console.log([k.padEnd(24), ...cols.map((c) => String(round(results[c]?.[k] ?? "")).padStart(12))].join(" "));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
