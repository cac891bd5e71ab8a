/**
 * A stand-in worker for process-level tests: runs one shell step (argv: dataDir, command) through
 * the real shell executor, with the sandbox the environment gives, and prints its result as JSON.
 * Tests SIGKILL it mid-step to see what outlives a dead worker.
 */
import { createShellExecutor } from "~/server/executors/shell-executor";

const [dataDir, command] = process.argv.slice(2);
if (!dataDir || !command) throw new Error("usage: run-one-step.ts DATA_DIR COMMAND");
const executor = createShellExecutor({ dataDir, baseEnv: { PATH: "/usr/bin:/bin" } });
void executor
  .execute({ runId: "one", stepId: "s", attempt: 1, stepType: "shell", params: { command }, idempotencyKey: "one:s:1", redact: [], signal: new AbortController().signal })
  .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
