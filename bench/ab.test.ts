import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compare, formatNumber, formatTable, median, parseAbArgs, parseRunJson, schedule, verdict, type RunFigures } from "./ab";

const PG = { TEST_DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:5432/wf_test" };

describe("parseAbArgs", () => {
  it("hands bench/run.ts only the flags given, in its own spelling", () => {
    const o = parseAbArgs(["--base", "HEAD~20", "--rounds", "2", "--quick", "--only", "chain", "--sync", "FULL"]);
    expect(o).toMatchObject({ base: "HEAD~20", head: undefined, rounds: 2, order: "abba", db: "sqlite", clean: false, json: false });
    expect(o.passThrough).toEqual(["--sync", "FULL", "--only", "chain", "--quick"]);
    // Defaults are left to run.ts: an older run.ts may not know a flag nobody asked for.
    expect(parseAbArgs(["--base", "main"]).passThrough).toEqual([]);
  });

  it("passes --db postgres, --workers and --concurrency through", () => {
    const o = parseAbArgs(["--base", "main", "--head", "wt-eng14", "--db", "postgresql", "--workers", "2", "--concurrency", "32"], PG);
    expect(o.db).toBe("postgres");
    expect(o.head).toBe("wt-eng14");
    expect(o.passThrough).toEqual(["--db", "postgres", "--workers", "2", "--concurrency", "32"]);
  });

  it.each([
    [[], /--base is required/],
    [["--base", "main", "--rounds", "0"], /--rounds must be a whole number from 1 to 100, got "0"/],
    [["--base", "main", "--rounds", "2.5"], /--rounds/],
    [["--base", "main", "--order", "ba"], /--order must be abba or ab/],
    [["--base", "main", "--db", "mysql"], /--db must be sqlite or postgres, got "mysql"/],
    [["--base", "main", "--db", "postgres"], /needs TEST_DATABASE_URL/],
    [["--base", "main", "--sync", "OFF"], /--sync takes FULL, NORMAL or FULL,NORMAL, got "OFF"/],
    [["--base", "main", "--only", "runs"], /--only must be chain or fan/],
    [["--base", "main", "--workers", "0"], /--workers must be a positive whole number, got "0"/],
    [["--base", "main", "--concurrency=abc"], /--concurrency must be a positive whole number/],
    [["--base", "main", "--frobnicate"], /Unknown option '--frobnicate'[\s\S]*usage:/],
  ])("refuses %j saying what is wrong", (argv, message) => {
    expect(() => parseAbArgs(argv)).toThrow(message);
  });

  it("refuses --sync with PostgreSQL (a SQLite pragma)", () => {
    expect(() => parseAbArgs(["--base", "main", "--db", "postgres", "--sync", "FULL"], PG)).toThrow(/--sync is a SQLite setting/);
  });
});

describe("schedule", () => {
  it("abba swaps who goes first every round; ab keeps A first", () => {
    expect(schedule(3, "abba").join("")).toBe("ABBAAB");
    expect(schedule(3, "ab").join("")).toBe("ABABAB");
  });
});

describe("median", () => {
  it("takes the middle, or the mean of the two middles, without sorting its input in place", () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("verdict", () => {
  it("says within 5 % at the edge, and which way beyond it", () => {
    expect(verdict("chain100_ms_per_step", 1.05)).toBe("within 5 %");
    expect(verdict("chain100_ms_per_step", 0.95)).toBe("within 5 %");
    expect(verdict("chain100_ms_per_step", 1.08)).toBe("B 8.0 % slower");
    expect(verdict("fan100_ms", 0.8)).toBe("B 20.0 % faster");
  });

  it("reads throughput the other way, counts as counts, floors as the machine's", () => {
    expect(verdict("runs1000_steps_per_s", 1.2)).toBe("B 20.0 % faster");
    expect(verdict("runs1000_steps_per_s", 0.9)).toBe("B 10.0 % slower");
    expect(verdict("chain_statements_per_step", 1.25)).toBe("B 25.0 % more");
    expect(verdict("sqlite_commit_us", 2)).toBe("B 100.0 % slower (machine floor, not the code)");
    expect(verdict("x_ms", NaN)).toMatch(/no ratio/);
  });
});

describe("compare", () => {
  const run = (full: Record<string, number>, normal?: Record<string, number>): RunFigures => ({ FULL: full, ...(normal ? { NORMAL: normal } : {}) });

  it("medians, spreads and B/A per figure and column", () => {
    const a = [run({ chain100_ms_per_step: 0.3 }, { chain100_ms_per_step: 0.2 }), run({ chain100_ms_per_step: 0.4 }, { chain100_ms_per_step: 0.2 }), run({ chain100_ms_per_step: 0.5 }, { chain100_ms_per_step: 0.2 })];
    const b = [run({ chain100_ms_per_step: 0.6 }, { chain100_ms_per_step: 0.2 }), run({ chain100_ms_per_step: 0.8 }, { chain100_ms_per_step: 0.21 }), run({ chain100_ms_per_step: 0.7 }, { chain100_ms_per_step: 0.2 })];
    const { rows, onlyA, onlyB } = compare(a, b);
    expect(onlyA).toEqual([]);
    expect(onlyB).toEqual([]);
    const full = rows.find((r) => r.column === "FULL");
    expect(full).toMatchObject({ figure: "chain100_ms_per_step", a: { n: 3, median: 0.4, min: 0.3, max: 0.5 }, b: { n: 3, median: 0.7, min: 0.6, max: 0.8 }, verdict: "B 75.0 % slower" });
    expect(full?.ratio).toBeCloseTo(1.75);
    expect(rows.find((r) => r.column === "NORMAL")?.verdict).toBe("within 5 %");
  });

  it("compares what both printed and lists the rest (a run.ts that renamed or gained figures)", () => {
    const a = [{ FULL: { old_ms: 1, shared_ms: 2 } }];
    const b = [{ FULL: { new_ms: 1, shared_ms: 2 }, NORMAL: { shared_ms: 1 } }];
    const { rows, onlyA, onlyB } = compare(a, b);
    expect(rows.map((r) => `${r.column}/${r.figure}`)).toEqual(["FULL/shared_ms"]);
    expect(onlyA).toEqual(["FULL/old_ms"]);
    expect(onlyB).toEqual(["FULL/new_ms", "NORMAL/shared_ms"]);
  });

  it("counts only the runs that printed a figure", () => {
    const { rows } = compare([{ FULL: { x_ms: 1 } }, { FULL: {} }], [{ FULL: { x_ms: 1 } }]);
    expect(rows[0]?.a.n).toBe(1);
  });
});

describe("formatNumber and formatTable", () => {
  it("keeps about three significant digits", () => {
    expect([4846.2, 84.63, 9.434, 0.3944].map(formatNumber)).toEqual(["4846", "84.6", "9.43", "0.394"]);
  });

  it("prints one Markdown table per column with n, spreads, B/A, verdict and a count", () => {
    const { rows } = compare([{ FULL: { chain100_ms_per_step: 0.3, runs1000_steps_per_s: 5000 } }, { FULL: { chain100_ms_per_step: 0.32, runs1000_steps_per_s: 5200 } }], [{ FULL: { chain100_ms_per_step: 0.31, runs1000_steps_per_s: 4000 } }, { FULL: { chain100_ms_per_step: 0.31, runs1000_steps_per_s: 4400 } }]);
    const text = formatTable(rows);
    expect(text).toContain("FULL:\n\n| figure | A median (n=2) | A min–max | B median (n=2) | B min–max | B/A | verdict |");
    expect(text).toContain("| chain100_ms_per_step | 0.310 | 0.300–0.320 | 0.310 | 0.310–0.310 | 1.000 | within 5 % |");
    expect(text).toContain("| runs1000_steps_per_s | 5100 | 5000–5200 | 4200 | 4000–4400 | 0.824 | B 17.6 % slower |");
    expect(text).toContain("1 of 2 figures within 5 %.");
  });
});

describe("parseRunJson", () => {
  it("reads the last JSON line's results, numbers only", () => {
    const stdout = `some log line\n${JSON.stringify({ chain100_ms_per_step: 0.3, settings: { workers: 1 }, results: { FULL: { chain100_ms_per_step: 0.3, synchronous: "FULL", bad: null } } })}\n`;
    expect(parseRunJson(stdout)).toEqual({ figures: { FULL: { chain100_ms_per_step: 0.3 } }, settings: { workers: 1 } });
    expect(() => parseRunJson("no json here")).toThrow(/no JSON line/);
  });
});

describe("bench/ab.ts end to end, on two stand-in checkouts", () => {
  // Two git checkouts whose bench/run.ts prints fixed figures at once (the real one takes minutes);
  // B's also edits a tracked file while it runs, as a rebase of the working tree would.
  it("runs them in turn, compares what both print and says when a checkout changed under it", () => {
    const root = mkdtempSync(join(tmpdir(), "wf-ab-test-"));
    try {
      const fake = (name: string, figures: Record<string, number>, extra = "") => {
        const dir = join(root, name);
        mkdirSync(join(dir, "bench"), { recursive: true });
        mkdirSync(join(dir, "src/generated"), { recursive: true });
        symlinkSync(join(process.cwd(), "node_modules"), join(dir, "node_modules"), "dir");
        writeFileSync(join(dir, "tracked.txt"), "0\n");
        writeFileSync(join(dir, "bench/run.ts"), `${extra}\nprocess.stdout.write(JSON.stringify({ settings: { workers: 1 }, results: { FULL: { ...${JSON.stringify(figures)}, synchronous: "FULL" } } }) + "\\n");\n`);
        const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
        git("init", "-q");
        git("add", "bench/run.ts", "tracked.txt");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "fake");
        return dir;
      };
      const a = fake("a", { chain100_ms_per_step: 0.3, old_ms: 1 });
      const b = fake("b", { chain100_ms_per_step: 0.6, new_ms: 1 }, `import { appendFileSync } from "node:fs";\nappendFileSync("tracked.txt", "1\\n");`);
      const out = execFileSync(process.execPath, ["--import", "tsx", "bench/ab.ts", "--base", a, "--head", b, "--rounds", "2"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      expect(out).toContain("rounds: 2 (order A B B A)");
      expect(out).toContain("| chain100_ms_per_step | 0.300 | 0.300–0.300 | 0.600 | 0.600–0.600 | 2.000 | B 100.0 % slower |");
      expect(out).toContain("only A printed: FULL/old_ms");
      expect(out).toContain("only B printed: FULL/new_ms");
      expect(out).toContain("WARNING: B's checkout changed during the comparison");
      expect(out).not.toContain("WARNING: A's");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses a ref that does not exist, saying what it expected (exit 2)", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "bench/ab.ts", "--base", "no-such-ref-xyz"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--base "no-such-ref-xyz" is neither a directory nor a commit');
  });
});
