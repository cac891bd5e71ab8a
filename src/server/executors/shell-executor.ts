import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { execa } from "execa";
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
}

/** Last stderr line quoted in an exit-code failure, at most this long. */
const STDERR_QUOTE_MAX = 500;

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
 * - the process runs as the leader of its own process group. When the signal aborts, the whole
 *   group gets SIGTERM, then SIGKILL after `killGraceMs`. When the leader exits by itself, members
 *   it left behind (`sleep 300 &`) are ended the same way: a step owns nothing after it finishes.
 */
export function createShellExecutor(options: ShellExecutorOptions): Executor {
  const workspacesRoot = resolve(options.dataDir, "workspaces");
  const killGraceMs = options.killGraceMs ?? 5_000;
  const inheritEnv = options.inheritEnv ?? DEFAULT_INHERITED_ENV;
  const maxLineLength = options.maxLineLength ?? 16_384;
  const maxOutputBytes = options.maxOutputBytes ?? 1_048_576;
  const now = options.now ?? Date.now;
  const onLog = options.onLog;

  async function execute(execution: StepExecution): Promise<ExecutionResult> {
    const { signal, redact } = execution;
    if (signal.aborted) return { ok: false, error: abortOutcome(signal) };

    const parsed = ZShellParams.safeParse(execution.params);
    if (!parsed.success) return invalidParams(`shell step: ${describeIssues(parsed.error)}`);
    const params = parsed.data;
    const tooLarge = execLimitProblem(params.argv, params.env);
    if (tooLarge) return invalidParams(`shell step: ${tooLarge}`);

    const workspace = resolve(workspacesRoot, execution.runId);
    if (workspace === workspacesRoot || !isInside(workspacesRoot, workspace)) {
      return invalidParams(`shell step: run id "${execution.runId}" cannot name a workspace`);
    }
    const wfDir = join(workspace, ".wf");
    await mkdir(wfDir, { recursive: true });
    const cwd = await resolveInside(workspace, params.cwd ?? ".");
    if (!cwd.ok) return invalidParams(`shell step: params.cwd ${cwd.message}`);

    const outputName = `${fileSafe(execution.stepId)}.${execution.attempt}.output.json`;
    const outputFile = join(wfDir, outputName);
    // A previous run of this very attempt (a worker crashed after starting it) must not leak its output.
    await rm(outputFile, { force: true });
    const artifacts = artifactsDir(options.dataDir, execution.runId, execution.stepId, execution.attempt);
    await mkdir(artifacts, { recursive: true });

    // The command's {{ }} values (it references them, never contains them): after params.env, so a
    // workflow cannot replace them, before the WF_* run variables.
    const values = await shellValues(
      params.command !== undefined ? (execution.commandValues ?? []) : [],
      join(wfDir, "values", `${fileSafe(execution.stepId)}.${execution.attempt}`),
    );
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

    const [file, args] =
      params.command !== undefined ? ["/bin/sh", ["-c", values.prelude + params.command]] : [params.argv?.[0] ?? "", params.argv?.slice(1) ?? []];

    const backPressure = createBackPressure();
    const longestSecret = redact.reduce((n, s) => Math.max(n, s.length), 0);
    let lastStderrLine = "";
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
          if (stream === "stderr" && line.trim() !== "") lastStderrLine = line;
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
      if (values.dir !== undefined) await rm(values.dir, { recursive: true, force: true });
      return { ok: false, error: abortOutcome(signal) };
    }
    const child = execa(file, args, {
      cwd: cwd.path,
      env,
      extendEnv: false,
      // Own process group (setsid): the whole tree can be signalled with kill(-pid).
      detached: true,
      stdin: "ignore",
      buffer: false,
      reject: false,
      windowsHide: true,
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
      if (child.pid !== undefined) killing = killProcessGroup(child.pid, killGraceMs);
    };
    let reaping: Promise<void> | undefined;
    // Background members keep stdout open and would hold the step until they end: end them with
    // their leader.
    child.once("exit", () => {
      if (child.pid !== undefined && !aborted) reaping = killProcessGroup(child.pid, killGraceMs);
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
      if (values.dir !== undefined) await rm(values.dir, { recursive: true, force: true });
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
