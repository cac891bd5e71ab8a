/**
 * The only reader of the environment (CONVENTIONS.md #8). Every variable of ../shared/API.md is
 * validated here; a bad value stops the process with a message naming the variable and what it
 * expects. Server code imports `env` from here; the engine receives config as arguments.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "./engine/duration";
import { parseSize, SIZE_PATTERN } from "./engine/size";

/** Bytes, or a size such as 512MB (binary units, as in workflows' `resources.memory`). */
const isSize = (v: string) => /^\d+$/.test(v) || SIZE_PATTERN.test(v);

const bool = (name: string) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: `${name} must be true or false` })
    .transform((v) => v === "true" || v === "1" || v === "yes");

/** A size in bytes: a whole number from 1 KiB to 1 GiB. */
const bytes = () => z.coerce.number({ error: "expected a number of bytes" }).int().min(1024, "expected at least 1024 bytes").max(1024 * 1024 * 1024, "expected at most 1 GiB");

const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, "expected file:<path> (SQLite) or postgresql://user:pass@host:port/db")
    .default("file:./data/app.db"),
  DATA_DIR: z.string().min(1).default("./data"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number({ error: "expected a port number" }).int().min(1).max(65535).default(3000),
  NEXTAUTH_URL: z.url({ error: "expected an absolute URL such as http://127.0.0.1:3000" }).optional(),
  NEXTAUTH_SECRET: z.string().min(16, "expected at least 16 characters (or leave it unset to generate one)").optional(),
  ADMIN_EMAIL: z.email({ error: "expected an e-mail address" }).optional(),
  ADMIN_PASSWORD: z.string().min(8, "expected at least 8 characters").optional(),
  ADMIN_API_TOKEN: z.string().min(20, "expected at least 20 characters").optional(),
  EMBEDDED_WORKER: bool("EMBEDDED_WORKER").default(true),
  WORKER_CONCURRENCY: z.coerce.number({ error: "expected a whole number" }).int().min(1).max(256).default(8),
  SQLITE_SYNCHRONOUS: z.enum(["FULL", "NORMAL"], { error: "expected FULL or NORMAL" }).default("FULL"),
  HTTP_ALLOW_HOSTS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** A claim holds this long without a heartbeat; then another worker takes the step over. */
  WORKER_LEASE_MS: z.coerce.number({ error: "expected milliseconds" }).int().min(500).max(3_600_000).default(30_000),
  /** How often a worker looks for work queued by other processes. */
  WORKER_POLL_MS: z.coerce.number({ error: "expected milliseconds" }).int().min(5).max(60_000).default(100),
  /** On SIGTERM, running steps get this long to finish before they are stopped and released. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number({ error: "expected milliseconds" }).int().min(0).default(30_000),
  /**
   * Log bytes one step attempt may store; beyond, lines are counted and one marker line says how
   * many lines and bytes were not stored (the process keeps running and its output keeps draining).
   */
  STEP_LOG_MAX_BYTES: z.coerce.number({ error: "expected a number of bytes" }).int().min(1024).max(1_073_741_824).default(10_485_760),
  /**
   * How shell steps are isolated from the server: `bwrap` (bubblewrap: own mount, PID, IPC and UTS
   * namespaces, system directories read-only, only the run's workspace writable, an unprivileged
   * uid) or `none` (as the server's own user; only by explicit choice). Unset: bwrap when it works
   * here; when it does not, shell steps are refused and the start logs why.
   */
  SHELL_SANDBOX: z.enum(["bwrap", "none"], { error: "expected bwrap or none" }).optional(),
  /** When the server runs as root: the uid and gid sandboxed steps run as. */
  SHELL_SANDBOX_UID: z.coerce.number({ error: "expected a uid" }).int().min(1).max(4_294_967_294).default(65534),
  SHELL_SANDBOX_GID: z.coerce.number({ error: "expected a gid" }).int().min(1).max(4_294_967_294).default(65534),
  /** Memory each process of a step may allocate (RLIMIT_DATA): the default and the ceiling of `resources.memory`. */
  STEP_MEMORY_MAX: z
    .string()
    .refine(isSize, "expected a size such as 512MB or 2GB (or a number of bytes)")
    .default("2GB")
    .transform((v) => parseSize(/^\d+$/.test(v) ? Number(v) : v))
    .refine((n) => n >= 16 * 1024 * 1024, "expected at least 16MB"),
  /** CPU time each process of a step may use (RLIMIT_CPU): the default and the ceiling of `resources.cpu_time`. */
  STEP_CPU_TIME_MAX: z
    .string()
    .regex(DURATION_PATTERN, "expected a duration such as 30s, 10m or 1h")
    .default("10m")
    .transform((v) => Math.ceil(parseDuration(v) / 1000))
    .refine((n) => n >= 1, "expected at least 1s"),
  /** Processes and threads one step may run at once (RLIMIT_NPROC, sandboxed steps): the default and the ceiling of `resources.processes`. */
  STEP_PROCESSES_MAX: z.coerce.number({ error: "expected a whole number" }).int().min(1).max(1_000_000).default(256),
  /** Test-only: WF_CRASH_AT is honoured only when this is true. */
  WF_TEST_CRASHPOINTS: bool("WF_TEST_CRASHPOINTS").default(false),
  WF_CRASH_AT: z.enum(["after_claim", "before_commit", "after_commit", "mid_fanout"], { error: "expected after_claim, before_commit, after_commit or mid_fanout" }).optional(),
  /** Test-only: crash at the (N+1)th time the crashpoint is reached. */
  WF_CRASH_SKIP: z.coerce.number().int().min(0).default(0),
  /** Largest request body any route accepts (413 beyond it), REST, tRPC and sign-in alike. */
  MAX_REQUEST_BYTES: bytes().default(4 * 1024 * 1024),
  /** A run's inputs together, as JSON (a run start beyond it answers 413). */
  RUN_INPUTS_MAX_BYTES: bytes().default(1024 * 1024),
  /** One input value, as JSON. */
  RUN_INPUT_MAX_BYTES: bytes().default(256 * 1024),
  /** One step attempt's output, as JSON: a larger output fails the step saying so. */
  STEP_OUTPUT_MAX_BYTES: bytes().default(1024 * 1024),
  /** One outbound webhook delivery's body. */
  WEBHOOK_PAYLOAD_MAX_BYTES: bytes().default(256 * 1024),
  /** Time the expressions of one engine decision (one event of a run) may run in total (issue 13 #6). */
  EXPRESSION_BUDGET_MS: z.coerce.number({ error: "expected milliseconds" }).int().min(1).max(10_000).default(50),
  /** Slows repeated failed sign-ins; tests may lower it. */
  LOGIN_THROTTLE_BASE_MS: z.coerce.number().int().min(0).default(1000),
  /**
   * How many reverse proxies of yours stand in front of the server: the source address of a request
   * is the entry this many places left of the last one in X-Forwarded-For (the last one is the
   * address the server's socket saw, appended by scripts/serve.mjs). `false`/0: no proxy, the
   * socket's peer is the source; `true`: one proxy.
   */
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((v, ctx) => {
      const s = v.trim().toLowerCase();
      if (["false", "no", "0"].includes(s)) return 0;
      if (["true", "yes"].includes(s)) return 1;
      if (/^\d{1,2}$/.test(s)) return Number(s);
      ctx.addIssue({ code: "custom", message: "expected false, true or the number of proxies in front of the server (0-99)" });
      return z.NEVER;
    }),
});

export type Env = z.infer<typeof ZEnv> & {
  /** absolute data directory */
  dataDir: string;
  databaseKind: "sqlite" | "postgresql";
  nextAuthUrl: string;
};

export class EnvError extends Error {
  override name = "EnvError";
}

/** Parses an environment; throws EnvError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = ZEnv.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? "?");
      return `  ${key}=${JSON.stringify(cleaned[key] ?? "")}: ${i.message}`;
    });
    throw new EnvError(`Invalid environment:\n${lines.join("\n")}\nFix these variables (see README "Configuration") and start again.`);
  }
  const e = parsed.data;
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(/*turbopackIgnore: true*/ process.cwd(), e.DATA_DIR);
  return {
    ...e,
    dataDir,
    databaseKind: e.DATABASE_URL.startsWith("file:") ? "sqlite" : "postgresql",
    nextAuthUrl: e.NEXTAUTH_URL ?? `http://${e.HOST}:${e.PORT}`,
  };
}

/**
 * The session-signing secret: NEXTAUTH_SECRET, else one generated on first start and kept in
 * DATA_DIR/nextauth-secret (mode 600) so sessions survive restarts.
 */
export function authSecret(e: Env = env): string {
  if (e.NEXTAUTH_SECRET) return e.NEXTAUTH_SECRET;
  const file = join(e.dataDir, "nextauth-secret");
  if (existsSync(file)) {
    // (A file made by hand, or by an older version, may be wider: it signs every session.)
    chmodSync(file, 0o600);
    return readFileSync(file, "utf8").trim();
  }
  mkdirSync(e.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(e.dataDir, 0o700);
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return secret;
}

export const env: Env = parseEnv(process.env);

// next-auth reads NEXTAUTH_URL itself; give it the computed default.
process.env.NEXTAUTH_URL ??= env.nextAuthUrl;

/**
 * The process environment that shell steps inherit a filtered few variables of (PATH, HOME, LANG…;
 * see src/server/executors/shell-executor.ts). Read here so this file stays the only reader.
 */
export function processEnvForChildren(): Readonly<Record<string, string | undefined>> {
  return process.env;
}
