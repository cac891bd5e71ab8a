/**
 * `npm run bench:ab -- --base <git-ref> [--head <ref|path>] [--rounds N] [--db sqlite|postgres]
 *  [--sync FULL|NORMAL] [--only chain|fan] [--quick] [--workers N] [--concurrency N]`
 *
 * The same `npm run bench` figures of two checkouts, measured in one sitting: A (`--base`) and B
 * (`--head`, default this working tree as it is, uncommitted changes included) run
 * `bench/run.ts --json` in turn, round after round, so both see the same machine, disk and load.
 * Each ref gets a detached git worktree under the cache dir (reused while its commit matches), with
 * this checkout's node_modules linked in and its own Prisma client generated (schemas differ per
 * commit). Prints per figure the median of A and of B, their min–max, B/A and a verdict ("within
 * 5 %" or how far off). A report, never pass/fail: exits 0 unless the arguments are wrong (2) or
 * no run at all produced figures (1).
 *
 * Rounds alternate the order (A B, B A, A B, …: `--order abba`, the default) so that neither
 * checkout always runs second, after the other warmed the page cache or while the machine cools
 * down; `--order ab` keeps A first in every round.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/** One checkout's figures of one bench run: column ("FULL", "NORMAL", "postgresql") -> figure -> value. */
export type RunFigures = Record<string, Record<string, number>>;

export type AbOptions = {
  base: string;
  head?: string;
  rounds: number;
  order: "ab" | "abba";
  db: "sqlite" | "postgres";
  /** Flags handed to bench/run.ts as given (only those given: older run.ts may not know the others). */
  passThrough: string[];
  cacheDir: string;
  clean: boolean;
  json: boolean;
};

export const USAGE = `usage: npx tsx bench/ab.ts --base <git-ref|path> [--head <git-ref|path>] [--rounds N]
       [--order abba|ab] [--db sqlite|postgres] [--sync FULL|NORMAL|FULL,NORMAL] [--only chain|fan]
       [--quick] [--workers N] [--concurrency N] [--cache-dir DIR] [--clean] [--json]
  --db postgres needs TEST_DATABASE_URL (scripts/ci-postgres.sh prints one)`;

/** Parses and checks the command line; throws an Error saying what is wrong and how to fix it. */
export function parseAbArgs(argv: string[], env: Record<string, string | undefined> = {}): AbOptions {
  let v;
  try {
    v = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        base: { type: "string" },
        head: { type: "string" },
        rounds: { type: "string", default: "5" },
        order: { type: "string", default: "abba" },
        db: { type: "string", default: "sqlite" },
        sync: { type: "string" },
        only: { type: "string" },
        quick: { type: "boolean", default: false },
        workers: { type: "string" },
        concurrency: { type: "string" },
        "cache-dir": { type: "string" },
        clean: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    }).values;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${USAGE}`);
  }
  if (!v.base) throw new Error(`--base is required: the git ref (or checkout directory) to compare against\n${USAGE}`);
  const rounds = Number(v.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error(`--rounds must be a whole number from 1 to 100, got "${v.rounds}"`);
  if (v.order !== "ab" && v.order !== "abba") throw new Error(`--order must be abba or ab, got "${v.order}"`);
  const db = v.db === "postgresql" ? "postgres" : v.db;
  if (db !== "sqlite" && db !== "postgres") throw new Error(`--db must be sqlite or postgres, got "${v.db}"`);
  if (db === "postgres" && !env.TEST_DATABASE_URL) throw new Error("--db postgres needs TEST_DATABASE_URL, e.g. postgresql://postgres:postgres@127.0.0.1:5432/wf_test (scripts/ci-postgres.sh starts a server and prints one)");
  if (db === "postgres" && v.sync) throw new Error("--sync is a SQLite setting; leave it out with --db postgres");
  const passThrough: string[] = [];
  if (db === "postgres") passThrough.push("--db", "postgres");
  if (v.sync) {
    const bad = v.sync.split(",").filter((s) => s !== "FULL" && s !== "NORMAL");
    if (bad.length || !v.sync) throw new Error(`--sync takes FULL, NORMAL or FULL,NORMAL, got "${v.sync}"`);
    passThrough.push("--sync", v.sync);
  }
  if (v.only) {
    if (v.only !== "chain" && v.only !== "fan") throw new Error(`--only must be chain or fan, got "${v.only}"`);
    passThrough.push("--only", v.only);
  }
  if (v.quick) passThrough.push("--quick");
  for (const name of ["workers", "concurrency"] as const) {
    const value = v[name];
    if (value === undefined) continue;
    if (!/^[1-9]\d*$/.test(value)) throw new Error(`--${name} must be a positive whole number, got "${value}"`);
    passThrough.push(`--${name}`, value);
  }
  return {
    base: v.base,
    head: v.head,
    rounds,
    order: v.order,
    db,
    passThrough,
    cacheDir: v["cache-dir"] ?? join(tmpdir(), "wf-bench-ab"),
    clean: v.clean,
    json: v.json,
  };
}

/** Which checkout runs when: `abba` swaps the order every round, `ab` keeps A first. */
export function schedule(rounds: number, order: "ab" | "abba"): ("A" | "B")[] {
  const out: ("A" | "B")[] = [];
  for (let r = 0; r < rounds; r++) out.push(...(order === "abba" && r % 2 === 1 ? (["B", "A"] as const) : (["A", "B"] as const)));
  return out;
}

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Reads bench/run.ts's --json line: `results` per column, numbers only (`synchronous` is a label). */
export function parseRunJson(stdout: string): { figures: RunFigures; settings: Record<string, unknown> } {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (!line) throw new Error("bench/run.ts printed no JSON line");
  const parsed = JSON.parse(line) as { results?: Record<string, Record<string, unknown>>; settings?: Record<string, unknown> };
  const figures: RunFigures = {};
  for (const [column, values] of Object.entries(parsed.results ?? {})) {
    figures[column] = Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])));
  }
  return { figures, settings: parsed.settings ?? {} };
}

export type FigureRow = {
  column: string;
  figure: string;
  a: { n: number; median: number; min: number; max: number };
  b: { n: number; median: number; min: number; max: number };
  ratio: number;
  verdict: string;
};

/** Per-step counts (transactions, statements, WAL pages): fewer is better, but they are not times. */
const isCount = (figure: string) => /_(tx|statements|wal_pages)_per_step$/.test(figure);
/** Throughput figures: more is better. Everything else (ms, µs, ms/step) is a time: less is better. */
const isThroughput = (figure: string) => /_per_s$/.test(figure);
/** Raw database floors measured in the same run: the disk's or server's noise, not the code's. */
const isFloor = (figure: string) => /^(sqlite_commit_us|pg_roundtrip_us|pg_commit_us)$/.test(figure);

/** "within 5 %", or which way and how far B is from A (a report: no pass/fail). */
export function verdict(figure: string, ratio: number, tolerance = 0.05): string {
  if (!Number.isFinite(ratio)) return "no ratio (A is 0 or missing)";
  const off = Math.abs(ratio - 1);
  const floor = isFloor(figure) ? " (machine floor, not the code)" : "";
  if (off <= tolerance + 1e-12) return `within ${Math.round(tolerance * 100)} %${floor}`;
  const pct = `${(off * 100).toFixed(1)} %`;
  if (isCount(figure)) return `B ${pct} ${ratio > 1 ? "more" : "fewer"}${floor}`;
  const better = isThroughput(figure) ? ratio > 1 : ratio < 1;
  return `B ${pct} ${better ? "faster" : "slower"}${floor}`;
}

const stats = (values: number[]) => ({ n: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) });

/**
 * One row per figure both checkouts printed (in B's order), per column both printed; the figures
 * only one side has are listed apart (a bench/run.ts that gained or renamed figures).
 */
export function compare(a: RunFigures[], b: RunFigures[], tolerance = 0.05): { rows: FigureRow[]; onlyA: string[]; onlyB: string[] } {
  const names = (runs: RunFigures[]) => {
    const out = new Map<string, Set<string>>();
    for (const run of runs) for (const [column, figs] of Object.entries(run)) for (const f of Object.keys(figs)) (out.get(column) ?? out.set(column, new Set()).get(column))?.add(f);
    return out;
  };
  const namesA = names(a);
  const namesB = names(b);
  const rows: FigureRow[] = [];
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  for (const [column, figsB] of namesB) {
    const figsA = namesA.get(column) ?? new Set<string>();
    for (const figure of figsB) {
      if (!figsA.has(figure)) {
        onlyB.push(`${column}/${figure}`);
        continue;
      }
      const values = (runs: RunFigures[]) => runs.map((r) => r[column]?.[figure]).filter((x): x is number => x !== undefined);
      const sa = stats(values(a));
      const sb = stats(values(b));
      const ratio = sa.median === 0 ? (sb.median === 0 ? 1 : NaN) : sb.median / sa.median;
      rows.push({ column, figure, a: sa, b: sb, ratio, verdict: verdict(figure, ratio, tolerance) });
    }
  }
  for (const [column, figsA] of namesA) for (const figure of figsA) if (!namesB.get(column)?.has(figure)) onlyA.push(`${column}/${figure}`);
  return { rows, onlyA, onlyB };
}

/** Three or four significant digits, never scientific: 4846, 301.5, 84.6, 9.43, 0.394. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toFixed(digits);
}

/** The rows as one Markdown table per column (pastes into docs/benchmarks.md or an issue as is). */
export function formatTable(rows: FigureRow[]): string {
  const out: string[] = [];
  for (const column of [...new Set(rows.map((r) => r.column))]) {
    const rs = rows.filter((r) => r.column === column);
    const nA = [...new Set(rs.map((r) => r.a.n))].join("/");
    const nB = [...new Set(rs.map((r) => r.b.n))].join("/");
    out.push(`${column}:`, "", `| figure | A median (n=${nA}) | A min–max | B median (n=${nB}) | B min–max | B/A | verdict |`, "|---|---:|---:|---:|---:|---:|---|");
    for (const r of rs) {
      const range = (s: FigureRow["a"]) => `${formatNumber(s.min)}–${formatNumber(s.max)}`;
      out.push(`| ${r.figure} | ${formatNumber(r.a.median)} | ${range(r.a)} | ${formatNumber(r.b.median)} | ${range(r.b)} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : "–"} | ${r.verdict} |`);
    }
    const within = rs.filter((r) => r.verdict.startsWith("within")).length;
    out.push("", `${within} of ${rs.length} figures within 5 %.`, "");
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// I/O: checkouts, runs, the report.

type Checkout = { label: "A" | "B"; spec: string; dir: string; commit: string; describe: string; made: boolean; state: string };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
const log = (line: string) => process.stderr.write(`bench:ab  ${line}\n`);
/** What a checkout's code is: its commit and its uncommitted changes (a rebase or an edit mid-comparison changes it). */
const stateOf = (dir: string) => `${git(dir, "rev-parse", "HEAD")}\n${git(dir, "diff", "HEAD")}`;

/** A directory holding bench/run.ts is used as it is; anything else is a git ref of this repository. */
function prepareCheckout(label: "A" | "B", spec: string | undefined, cacheDir: string): Checkout {
  const asDir = spec === undefined ? repoRoot : resolve(spec);
  if (spec === undefined || (existsSync(asDir) && statSync(asDir).isDirectory())) {
    if (!existsSync(join(asDir, "bench/run.ts"))) throw new Error(`${asDir} has no bench/run.ts: not a checkout of this project`);
    const commit = git(asDir, "rev-parse", "HEAD");
    const dirty = git(asDir, "status", "--porcelain", "--untracked-files=no").split("\n").filter(Boolean).length;
    if (!existsSync(join(asDir, "src/generated"))) generate(asDir);
    const at = git(asDir, "log", "-1", "--format=%h %cs %s").slice(0, 100).trim();
    return { label, spec: spec ?? "(this working tree)", dir: asDir, commit, describe: `${asDir} as it is, at ${at}${dirty ? ` + ${dirty} uncommitted change(s)` : ""}`, made: false, state: stateOf(asDir) };
  }
  let commit: string;
  try {
    commit = git(repoRoot, "rev-parse", "--verify", `${spec}^{commit}`);
  } catch {
    throw new Error(`--${label === "A" ? "base" : "head"} "${spec}" is neither a directory nor a commit of ${repoRoot} (try a branch, a tag, a hash or HEAD~20)`);
  }
  const dir = join(cacheDir, commit.slice(0, 12));
  // Reused while it is still that commit with nothing changed in it; otherwise made again.
  if (existsSync(dir)) {
    let ok = false;
    try {
      ok = git(dir, "rev-parse", "HEAD") === commit && git(dir, "status", "--porcelain", "--untracked-files=no") === "";
    } catch {
      ok = false;
    }
    if (!ok) {
      log(`${dir} is not a clean worktree of ${commit.slice(0, 12)}: making it again`);
      removeWorktree(dir);
    }
  }
  if (!existsSync(dir)) {
    mkdirSync(cacheDir, { recursive: true });
    log(`git worktree add --detach ${dir} ${commit.slice(0, 12)}`);
    git(repoRoot, "worktree", "add", "--detach", dir, commit);
  }
  // tsx-run code resolves packages through the link to their real place, so one install serves
  // both, as long as package-lock.json agrees (checked in the report). The Prisma client is per
  // checkout: it is generated from that commit's schema.
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(realpathSync(join(repoRoot, "node_modules")), join(dir, "node_modules"), "dir");
  generate(dir);
  return { label, spec, dir, commit, describe: `${commit.startsWith(spec) ? "" : `${spec} = `}${git(dir, "log", "-1", "--format=%h %cs %s").slice(0, 100).trim()}`, made: true, state: stateOf(dir) };
}

function generate(dir: string) {
  if (!existsSync(join(dir, "scripts/prisma-generate.mjs"))) throw new Error(`${dir} has no scripts/prisma-generate.mjs: too old for this script`);
  execFileSync(process.execPath, ["scripts/prisma-generate.mjs"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
}

function removeWorktree(dir: string) {
  try {
    git(repoRoot, "worktree", "remove", "--force", dir);
  } catch {
    git(repoRoot, "worktree", "prune");
  }
}

/** One `bench/run.ts --json` in that checkout, in a fresh process (its own database, its own warm-up). */
function runBench(c: Checkout, passThrough: string[]): Promise<{ figures: RunFigures; settings: Record<string, unknown>; seconds: number }> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--json", ...passThrough], { cwd: c.dir, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) return fail(new Error(`exit ${code}: ${stderr.trim().split("\n").slice(-6).join("\n")}`));
      try {
        done({ ...parseRunJson(stdout), seconds: (performance.now() - t0) / 1000 });
      } catch (e) {
        fail(new Error(`${(e as Error).message}; stderr: ${stderr.trim().split("\n").slice(-6).join("\n")}`));
      }
    });
  });
}

async function main() {
  let options: AbOptions;
  try {
    options = parseAbArgs(process.argv.slice(2), process.env);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  let a: Checkout;
  let b: Checkout;
  try {
    a = prepareCheckout("A", options.base, options.cacheDir);
    b = prepareCheckout("B", options.head, options.cacheDir);
  } catch (e) {
    console.error(`bench:ab: ${(e as Error).message}`);
    process.exit(2);
  }
  const lockOf = (c: Checkout) => (existsSync(join(c.dir, "package-lock.json")) ? readFileSync(join(c.dir, "package-lock.json"), "utf8") : "");
  const sameDeps = lockOf(a) === lockOf(b);
  const load0 = loadavg();
  const runs: Record<"A" | "B", RunFigures[]> = { A: [], B: [] };
  const settings: Partial<Record<"A" | "B", Record<string, unknown>>> = {};
  const failures: string[] = [];
  const changed = new Set<"A" | "B">();
  const order = schedule(options.rounds, options.order);
  for (const [i, side] of order.entries()) {
    const c = side === "A" ? a : b;
    try {
      const r = await runBench(c, options.passThrough);
      if (stateOf(c.dir) !== c.state) changed.add(side);
      runs[side].push(r.figures);
      settings[side] ??= r.settings;
      log(`round ${Math.floor(i / 2) + 1}/${options.rounds} ${side} (${c.commit.slice(0, 12)}): ${r.seconds.toFixed(1)} s`);
    } catch (e) {
      failures.push(`round ${Math.floor(i / 2) + 1} ${side}: ${(e as Error).message}`);
      log(`round ${Math.floor(i / 2) + 1}/${options.rounds} ${side} FAILED: ${(e as Error).message}`);
    }
  }
  const load1 = loadavg();
  if (options.clean) for (const c of [a, b]) if (c.made) removeWorktree(c.dir);
  const { rows, onlyA, onlyB } = compare(runs.A, runs.B);
  const machine = `${cpus()[0]?.model ?? "?"} x${cpus().length}, node ${process.version}`;
  const durability = options.db === "postgres" ? "PostgreSQL (TEST_DATABASE_URL server, fresh database per run)" : `SQLite WAL, synchronous=${options.passThrough.includes("--sync") ? options.passThrough[options.passThrough.indexOf("--sync") + 1] : "FULL,NORMAL"} (fresh file per run)`;
  const header = {
    A: { spec: a.spec, commit: a.commit, checkout: a.describe },
    B: { spec: b.spec, commit: b.commit, checkout: b.describe },
    rounds: options.rounds,
    order: order.join(" "),
    runFlags: ["--json", ...options.passThrough].join(" "),
    database: durability,
    machine,
    loadavg: { start: load0.map((x) => x.toFixed(2)).join(" "), end: load1.map((x) => x.toFixed(2)).join(" ") },
    benchSettings: settings.B ?? settings.A ?? {},
    sameDependencies: sameDeps,
  };
  if (options.json) {
    process.stdout.write(JSON.stringify({ ...header, changedDuringComparison: [...changed], rows, onlyA, onlyB, failures }) + "\n");
  } else {
    console.log(`bench:ab — npm run bench figures of two checkouts, interleaved in one sitting`);
    console.log(`A: ${a.describe} (${a.commit})`);
    console.log(`B: ${b.describe} (${b.commit})`);
    console.log(`rounds: ${options.rounds} (order ${header.order}); bench/run.ts ${header.runFlags}; ${durability}`);
    console.log(`machine: ${machine}; load average (1/5/15 min) ${header.loadavg.start} at start, ${header.loadavg.end} at end`);
    const s = header.benchSettings;
    if (Object.keys(s).length) console.log(`bench settings: ${Object.entries(s).filter(([k]) => k !== "machine").map(([k, v]) => `${k} ${String(v)}`).join(", ")}`);
    if (settings.A && settings.B && JSON.stringify(settings.A) !== JSON.stringify(settings.B)) console.log(`note: the checkouts report different settings: A ${JSON.stringify(settings.A)}, B ${JSON.stringify(settings.B)}`);
    for (const side of changed) console.log(`WARNING: ${side}'s checkout changed during the comparison (a commit, rebase or edit in ${(side === "A" ? a : b).dir}): its figures mix versions; run again without touching it`);
    if (!sameDeps) console.log("note: package-lock.json differs between the checkouts; both ran on this checkout's node_modules");
    console.log("");
    console.log(rows.length ? formatTable(rows) : "no figure measured by both checkouts");
    if (onlyA.length) console.log(`only A printed: ${onlyA.join(", ")}`);
    if (onlyB.length) console.log(`only B printed: ${onlyB.join(", ")}`);
    for (const f of failures) console.log(`failed: ${f}`);
    console.log("B/A of the medians; times and per-step counts: lower is better, *_per_s: higher is better. A report, not a test.");
  }
  process.exit(runs.A.length && runs.B.length ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
