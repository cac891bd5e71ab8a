import type { Executor, Executors } from "~/engine/ports";
import { createHttpExecutor, type HttpExecutorOptions } from "./http-executor";
import { createNoopExecutor } from "./noop-executor";
import { createShellExecutor, type ShellExecutorOptions } from "./shell-executor";
import type { Sandbox } from "./sandbox/detect-sandbox";
import type { AppliedLimits } from "./sandbox/resource-limits";
import type { OnStepLog } from "./step-log-line";
import { withErrorBoundary } from "./with-error-boundary";

export { createGuardedHttpClient, DEFAULT_RESPONSE_HEADERS } from "./guarded-http-client";
export type { GuardedHttpClient, HttpRequestSpec, HttpStepOutput } from "./guarded-http-client";
export { createHttpExecutor } from "./http-executor";
export type { HttpExecutorOptions } from "./http-executor";
export { classifyAddress, isForbiddenAddress } from "./is-forbidden-address";
export type { AddressClass } from "./is-forbidden-address";
export { createNoopExecutor } from "./noop-executor";
export { createShellExecutor, DEFAULT_INHERITED_ENV } from "./shell-executor";
export type { ShellExecutorOptions } from "./shell-executor";
export type { OnStepLog, StepLogLine } from "./step-log-line";
export { detectSandbox } from "./sandbox/detect-sandbox";
export type { Sandbox } from "./sandbox/detect-sandbox";
export { DEFAULT_LIMITS } from "./sandbox/resource-limits";
export type { AppliedLimits } from "./sandbox/resource-limits";
export { withErrorBoundary } from "./with-error-boundary";

export interface CreateExecutorsOptions {
  /** Data directory (absolute, env.dataDir); shell workspaces live in `<dataDir>/workspaces/<runId>/`. */
  dataDir: string;
  /** Hosts http steps may reach on private/loopback/metadata addresses (env.HTTP_ALLOW_HOSTS). @default [] */
  allowHosts?: readonly string[];
  /** Receives shell steps' stdout/stderr lines. @default lines are dropped */
  onLog?: OnStepLog;
  /** SIGTERM-to-SIGKILL grace when a shell step is cancelled or times out. @default 5000 */
  killGraceMs?: number;
  /** Environment shell steps inherit from (filtered, see DEFAULT_INHERITED_ENV); the worker passes process.env. */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** How processes of steps are isolated (see detectSandbox). @default detectSandbox() */
  sandbox?: Sandbox;
  /** The server's resource ceilings, also the defaults of `resources` (STEP_*_MAX). @default DEFAULT_LIMITS */
  limits?: AppliedLimits;
  /** Finer settings of the shell executor. @default {} */
  shell?: Partial<Omit<ShellExecutorOptions, "dataDir" | "baseEnv" | "onLog" | "killGraceMs" | "sandbox" | "limits">>;
  /** Finer settings of the http executor (limits, headers). @default {} */
  http?: Omit<HttpExecutorOptions, "allowHosts">;
}

/** The executors this module provides, each behind an error boundary. */
export type BuiltInExecutors = { noop: Executor; shell: Executor; http: Executor } & Executors;

/**
 * The worker's executors. Each is wrapped so an exception becomes a failed step
 * (`executor_error`) instead of a crashed worker.
 *
 * Adding a type later: `agent` can be a createGuardedHttpClient() call with a default URL per agent
 * name and a body built from prompt/inputs; `llm` the same against a provider endpoint; `git` a
 * shell-style executor over argv in the run's workspace. Register them here, wrapped the same way.
 */
export function createExecutors(options: CreateExecutorsOptions): BuiltInExecutors {
  return {
    noop: withErrorBoundary("noop", createNoopExecutor()),
    shell: withErrorBoundary(
      "shell",
      createShellExecutor({
        ...options.shell,
        dataDir: options.dataDir,
        baseEnv: options.baseEnv,
        onLog: options.onLog,
        killGraceMs: options.killGraceMs,
        sandbox: options.sandbox,
        limits: options.limits,
      }),
    ),
    http: withErrorBoundary("http", createHttpExecutor({ ...options.http, allowHosts: options.allowHosts ?? [] })),
  };
}
