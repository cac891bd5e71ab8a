import { realpath, rm, rmdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { ZShellParams } from "~/engine/definition/schema";
import type { ExecutionResult, Executor, StepExecution } from "~/engine/ports";
import { abortOutcome } from "./abort-outcome";
import { createBackPressure } from "./back-pressure";
import { artifactsDir, fileSafe } from "./artifacts-dir";
import { describeIssues, invalidParams } from "./invalid-params";
import { killProcessGroup } from "./kill-process-group";
import { createLineSplitter } from "./line-splitter";
import { readStepOutput } from "./read-step-output";
import { redactSecrets } from "./redact-secrets";
import { isInside, resolveInside } from "./resolve-inside";
import { detectSandbox, type Sandbox } from "./sandbox/detect-sandbox";
import { giveToSandbox, prepareWorkspace } from "./sandbox/prepare-workspace";
import { applyLimits, DEFAULT_LIMITS, limitFailure, type AppliedLimits } from "./sandbox/resource-limits";
import { NO_SUCH_PROGRAM, spawnSandboxed } from "./sandbox/spawn-sandboxed";
import { execLimitProblem, shellValues } from "./shell-values";
import type { OnStepLog, StepLogLine } from "./step-log-line";

/**
 * Variables a shell step inherits from the worker's environment. Everything else (DATABASE_URL,
 * NEXTAUTH_SECRET, cloud credentials...) stays out of user commands: a workflow author must not
 * read the server's secrets by running `env`. A trailing `*` matches a prefix.
 */
export const DEFAULT_INHERITED_ENV: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TZ",
  "TMPDIR",
  "TERM",
];

const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ShellExecutorOptions {
  /** Data directory; workspaces live in `<dataDir>/workspaces/<runId>/`. */
  dataDir: string;
  /** The worker's environment, filtered by `inheritEnv` (only src/env.ts reads process.env). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** Receives stdout/stderr line by line. @default lines are dropped */
  onLog?: OnStepLog;
  /** Time between SIGTERM and SIGKILL to the step's process group on cancel or timeout. @default 5000 */
  killGraceMs?: number;
  /** Names (or `PREFIX*`) taken from `baseEnv`. @default DEFAULT_INHERITED_ENV */
  inheritEnv?: readonly string[];
  /** Longest log line kept, in characters; longer lines are cut and marked. @default 16384 */
  maxLineLength?: number;
  /** Largest `$WF_OUTPUT` file accepted, in bytes (outputs are stored with the run). @default 1048576 */
  maxOutputBytes?: number;
  /** Clock for log timestamps. @default Date.now */
  now?: () => number;
  /**
   * How steps are isolated (SHELL_SANDBOX; see detectSandbox). `unavailable` refuses every step
   * with its reason. @default detectSandbox(): bubblewrap when it works here
   */
  sandbox?: Sandbox;
  /** The server's ceilings and defaults of `resources` (STEP_MEMORY_MAX...). @default DEFAULT_LIMITS */
  limits?: AppliedLimits;
}

/** Last stderr line quoted in an exit-code failure, at most this long. */
const STDERR_QUOTE_MAX = 500;
/** Last stderr lines kept to tell whether a limit ended the step (a runtime's last words). */
const STDERR_TAIL_LINES = 20;

function buildEnv(
  base: Readonly<Record<string, string | undefined>>,
  inherit: readonly string[],
  extra: Record<string, string> | undefined,
  wf: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (inherit.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p))) env[name] = value;
  }
  env.PATH ??= FALLBACK_PATH;
  // params.env overrides the inherited values; WF_* come last so a step cannot fake its identity.
  return { ...env, ...extra, ...wf };
}

/**
 * Runs `shell` steps: `params.command` through `/bin/sh -c`, or `params.argv` without a shell.
 *
 * - cwd: the run's workspace `<dataDir>/workspaces/<runId>/` (created), or `params.cwd` inside it
 *   (must exist; `..`, absolute paths and symlinks leading out are refused as `invalid_params`).
 * - env: `inheritEnv` names from `baseEnv`, then `params.env`, then the command's `{{ }}` values
 *   (`WF_VALUE_<k>`, or `WF_VALUE_FILE_<k>` for a large one: see shell-values.ts), then
 *   `WF_RUN_ID`, `WF_STEP_ID`, `WF_ATTEMPT`, `WF_IDEMPOTENCY_KEY`, `WF_WORKSPACE`, `WF_OUTPUT`
 *   and `WF_ARTIFACTS`.
 * - `params.command` arrives rewritten by the engine: it references its values, never holds them.
 * - output: the JSON the command writes to `$WF_OUTPUT` (a fresh path per attempt,
 *   `<workspace>/.wf/<stepId>.<attempt>.output.json`); no file or an empty one gives `{}`.
 * - artifacts: files the command leaves in `$WF_ARTIFACTS` (a fresh directory per attempt,
 *   `<workspace>/.wf/artifacts/<stepId>/<attempt>/`) are listed on the run page and at the step's
 *   gate, and can be downloaded by people who may read the run.
 * - logs: stdout and stderr line by line to `onLog`, secrets of `execution.redact` replaced by `***`;
 *   while a promise `onLog` returned is pending, the process's output is not read (back-pressure).
 * - sandbox and limits: the process starts through spawnSandboxed (bubblewrap unless
 *   SHELL_SANDBOX=none: only the workspace writable, nothing of DATA_DIR visible, an unprivileged
 *   uid; `resources` as rlimits). Inside the sandbox HOME is `<workspace>/.wf/home` and TMPDIR a
 *   fresh /tmp (unless params.env sets them). A step ended by a limit fails with code
 *   `resource_limit` and a message naming the limit.
 * - the process runs as the leader of its own process group. When the signal aborts, the whole
 *   group gets SIGTERM, then SIGKILL after `killGraceMs`. When the leader exits by itself, members
 *   it left behind (`sleep 300 &`) are ended the same way: a step owns nothing after it finishes
 *   (in the sandbox, the end of its PID namespace ends them all, even those that left the group).
 */
export function createShellExecutor(options: ShellExecutorOptions): Executor {
  const workspacesRoot = resolve(options.dataDir, "workspaces");
  const killGraceMs = options.killGraceMs ?? 5_000;
  const inheritEnv = options.inheritEnv ?? DEFAULT_INHERITED_ENV;
  const maxLineLength = options.maxLineLength ?? 16_384;
  const maxOutputBytes = options.maxOutputBytes ?? 1_048_576;
  const now = options.now ?? Date.now;
  const onLog = options.onLog;
  const sandbox = options.sandbox ?? detectSandbox();
  const ceilings = options.limits ?? DEFAULT_LIMITS;

  async function execute(execution: StepExecution): Promise<ExecutionResult> {
    const { signal, redact } = execution;
    if (signal.aborted) return { ok: false, error: abortOutcome(signal) };

    const parsed = ZShellParams.safeParse(execution.params);
    if (!parsed.success) return invalidParams(`shell step: ${describeIssues(parsed.error)}`);
    const params = parsed.data;
    const tooLarge = execLimitProblem(params.argv, params.env);
    if (tooLarge) return invalidParams(`shell step: ${tooLarge}`);
    if (sandbox.kind === "unavailable") {
      return {
        ok: false,
        error: {
          code: "sandbox_unavailable",
          message: `shell steps are refused on this worker: ${sandbox.reason}. Install bubblewrap (apt-get install bubblewrap), or set SHELL_SANDBOX=none to run steps unsandboxed as the server's own user`,
        },
      };
    }
    const applied = applyLimits(execution.resources, ceilings);
    if (!applied.ok) return invalidParams(`shell step: ${applied.message}`);

    const workspace = resolve(workspacesRoot, execution.runId);
    if (workspace === workspacesRoot || !isInside(workspacesRoot, workspace)) {
      return invalidParams(`shell step: run id "${execution.runId}" cannot name a workspace`);
    }
    // Only the workspace itself is made here; what is inside it belongs to the step (it may hold
    // links a step left), so the directories and files below are made by the step's own process.
    await prepareWorkspace(workspacesRoot, workspace, sandbox);
    const wfDir = join(workspace, ".wf");
    const cwd = await resolveInside(workspace, params.cwd ?? ".");
    if (!cwd.ok) return invalidParams(`shell step: params.cwd ${cwd.message}`);

    const outputName = `${fileSafe(execution.stepId)}.${execution.attempt}.output.json`;
    const outputFile = join(wfDir, outputName);
    const artifacts = artifactsDir(options.dataDir, execution.runId, execution.stepId, execution.attempt);
    const home = join(wfDir, "home");

    // The command's {{ }} values (it references them, never contains them): after params.env, so a
    // workflow cannot replace them, before the WF_* run variables. Large ones are files outside the
    // workspace (the step cannot swap them for links), shown read-only in the sandbox.
    const values = await shellValues(
      params.command !== undefined ? (execution.commandValues ?? []) : [],
      join(options.dataDir, "step-values", execution.runId, `${fileSafe(execution.stepId)}.${execution.attempt}`),
    );
    if (values.dir !== undefined) await giveToSandbox(values.dir, sandbox);
    const removeValues = async () => {
      if (values.dir === undefined) return;
      await rm(values.dir, { recursive: true, force: true });
      await rmdir(dirname(values.dir)).catch(() => undefined); // the run's directory, once empty
    };
    const sandboxed = sandbox.kind === "bwrap";
    const env = buildEnv(options.baseEnv, inheritEnv, params.env, {
      ...values.env,
      WF_RUN_ID: execution.runId,
      WF_STEP_ID: execution.stepId,
      WF_ATTEMPT: String(execution.attempt),
      WF_IDEMPOTENCY_KEY: execution.idempotencyKey,
      WF_WORKSPACE: workspace,
      WF_OUTPUT: outputFile,
      WF_ARTIFACTS: artifacts,
    });
    for (const name of values.unset) delete env[name];
    // The worker's HOME and TMPDIR do not exist in the sandbox.
    if (sandboxed && params.env?.HOME === undefined) env.HOME = home;
    if (sandboxed && params.env?.TMPDIR === undefined) env.TMPDIR = "/tmp";


    const backPressure = createBackPressure();
    const longestSecret = redact.reduce((n, s) => Math.max(n, s.length), 0);
    let lastStderrLine = "";
    let firstStderrLine: string | undefined;
    const stderrTail: string[] = [];
    const makeSplitter = (stream: StepLogLine["stream"]) =>
      createLineSplitter({
        // Hold a secret's length more than the cap, so a secret straddling the cut is still
        // recognised before the line is shortened.
        holdLength: maxLineLength + longestSecret,
        onLine: (raw, droppedChars) => {
          let line = redactSecrets(raw, redact);
          if (droppedChars > 0 || line.length > maxLineLength) {
            line = `${line.slice(0, maxLineLength)} [line truncated: ${raw.length + droppedChars} characters]`;
          }
          if (stream === "stderr") {
            firstStderrLine ??= line;
            stderrTail.push(line);
            if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
            if (line.trim() !== "") lastStderrLine = line;
          }
          if (!onLog) return;
          try {
            backPressure.note(onLog({ runId: execution.runId, stepId: execution.stepId, attempt: execution.attempt, stream, line, at: now() }));
          } catch {
            // A failing log sink must not fail or hang the step.
          }
        },
      });
    const stdout = makeSplitter("stdout");
    const stderr = makeSplitter("stderr");

    // The preparation above awaited: a cancel may have arrived meanwhile.
    if (signal.aborted) {
      await removeValues();
      return { ok: false, error: abortOutcome(signal) };
    }
    const child = spawnSandboxed({
      sandbox,
      command: params.command !== undefined ? { script: values.prelude + params.command } : { argv: params.argv ?? [] },
      env,
      // resolveInside answers the real path; the sandbox shows the workspace at its configured path
      // (DATA_DIR may itself be reached through a link), so the same place is named from there.
      cwd: join(workspace, relative(await realpath(workspace), cwd.path)),
      workspace,
      readOnly: values.dir !== undefined ? [values.dir] : [],
      // A previous run of this very attempt (a worker crashed after starting it) must not leak its output.
      makeDirs: sandboxed ? [artifacts, home] : [artifacts],
      removeFiles: [outputFile],
      limits: applied.limits,
    });
    backPressure.read([
      [child.stdout, (chunk) => stdout.push(chunk)],
      [child.stderr, (chunk) => stderr.push(chunk)],
    ]);

    let aborted = false;
    let killing: Promise<void> | undefined;
    const onAbort = () => {
      aborted = true;
      // A paused pipe would keep the killed process's output, and the step, from ending.
      backPressure.release();
      // (bwrap is spared the SIGTERM: it would die of it at once and take the step down unwarned.)
      if (child.pid !== undefined) killing = killProcessGroup(child.pid, killGraceMs, { spareLeader: sandboxed });
    };
    let reaping: Promise<void> | undefined;
    // Background members keep stdout open and would hold the step until they end: end them with
    // their leader.
    child.once("exit", () => {
      if (child.pid !== undefined && !aborted) reaping = killProcessGroup(child.pid, killGraceMs, { spareLeader: sandboxed });
    });
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();

    let result: Awaited<typeof child>;
    try {
      result = await child;
    } finally {
      signal.removeEventListener("abort", onAbort);
      await killing;
      await reaping;
      await removeValues();
    }
    stdout.end();
    stderr.end();

    if (aborted) return { ok: false, error: abortOutcome(signal) };
    const quote = lastStderrLine.length > STDERR_QUOTE_MAX ? `${lastStderrLine.slice(0, STDERR_QUOTE_MAX)}…` : lastStderrLine;
    if (result.exitCode === undefined && result.signal === undefined) {
      const cause =
        (result.cause as NodeJS.ErrnoException | undefined)?.code === "E2BIG"
          ? "its arguments and environment are larger than the operating system allows (E2BIG): keep params.argv and params.env small (values of params.command templates of any size are handed over as files)"
          : result.cause instanceof Error
            ? result.cause.message
            : result.shortMessage;
      return { ok: false, error: { code: "spawn_error", message: redactSecrets(`shell step could not start: ${cause}`, redact) } };
    }
    if (result.exitCode === 127 && firstStderrLine?.startsWith(NO_SUCH_PROGRAM)) {
      return { ok: false, error: { code: "spawn_error", message: redactSecrets(`shell step could not start: ${firstStderrLine.slice("wf-sandbox: ".length)}`, redact) } };
    }
    const limited = limitFailure({ exitCode: result.exitCode, signal: result.signal }, applied.limits, stderrTail, quote);
    if (limited) return { ok: false, error: { ...limited, message: redactSecrets(limited.message, redact) } };
    if (result.signal !== undefined) {
      return { ok: false, error: { code: "signal", message: `killed by ${result.signal}${quote ? `: ${quote}` : ""}` } };
    }
    if (result.exitCode !== 0) {
      return {
        ok: false,
        error: { code: "exit_code", exit_code: result.exitCode, message: `exit code ${result.exitCode}${quote ? `: ${quote}` : ""}` },
      };
    }
    return readStepOutput({ root: workspacesRoot, segments: [execution.runId, ".wf", outputName], shown: outputFile, maxBytes: maxOutputBytes, redact });
  }

  return { execute };
}
