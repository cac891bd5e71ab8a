import { lstat } from "node:fs/promises";
import type { Json } from "~/engine/json";
import type { ExecutionResult } from "~/engine/ports";
import { openUnder } from "./open-under";
import { redactJson, redactSecrets } from "./redact-secrets";

export interface ReadStepOutputOptions {
  /** The trusted root the file is looked up from (`DATA_DIR/workspaces`). */
  root: string;
  /** The file's path under `root` (`<runId>/.wf/<step>.<attempt>.output.json`), as segments. */
  segments: string[];
  /** How the step knows the file (`$WF_OUTPUT`), for messages. */
  shown: string;
  maxBytes: number;
  redact: readonly string[];
}

/**
 * The JSON a step wrote to `$WF_OUTPUT`: `{}` when it wrote nothing. The step owns its workspace
 * and may have left a symbolic link (to `/etc/shadow`, to another run's files) or a FIFO there:
 * the file is opened without following any link below the workspaces root (openUnder), so the
 * server reads exactly the step's own regular file, and at most `maxBytes` of it.
 */
export async function readStepOutput(o: ReadStepOutputOptions): Promise<ExecutionResult> {
  const file = await openUnder(o.root, o.segments, "file");
  if (!file) {
    const there = await lstat(`${o.root}/${o.segments.join("/")}`).then(
      () => true,
      () => false,
    );
    if (!there) return { ok: true, output: {} };
    return { ok: false, error: { code: "invalid_output", message: `$WF_OUTPUT (${o.shown}) is not a regular file in the run's workspace (a symbolic link, directory or FIFO): write the JSON into the file itself` } };
  }
  let text: string;
  try {
    if (file.size > o.maxBytes) {
      return { ok: false, error: { code: "output_too_large", message: `$WF_OUTPUT (${o.shown}) holds ${file.size} bytes; the limit is ${o.maxBytes}` } };
    }
    // At most the limit and one byte more: a file still growing cannot make the server read more.
    const buffer = Buffer.alloc(o.maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await file.handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0 || length + bytesRead >= buffer.length) {
        length += bytesRead;
        break;
      }
      length += bytesRead;
    }
    if (length > o.maxBytes) {
      return { ok: false, error: { code: "output_too_large", message: `$WF_OUTPUT (${o.shown}) holds more than ${o.maxBytes} bytes; the limit is ${o.maxBytes}` } };
    }
    text = buffer.toString("utf8", 0, length);
  } finally {
    await file.handle.close();
  }
  if (text.trim() === "") return { ok: true, output: {} };
  let output: Json;
  try {
    // JSON.parse can only produce JSON values; the cast names that fact for the type checker.
    output = JSON.parse(text) as Json;
  } catch (error) {
    const excerpt = redactSecrets(text.length > 200 ? `${text.slice(0, 200)}…` : text, o.redact);
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: { code: "invalid_output", message: `$WF_OUTPUT (${o.shown}) is not valid JSON: ${redactSecrets(reason, o.redact)}; it starts with ${JSON.stringify(excerpt)}` },
    };
  }
  return { ok: true, output: redactJson(output, o.redact) };
}
