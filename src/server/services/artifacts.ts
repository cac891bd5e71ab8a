/**
 * Artifacts: files a step attempt left in its `$WF_ARTIFACTS` directory (see artifacts-dir.ts),
 * listed for the run page and the gate panel, and opened for download. The step owns that
 * directory and may replace any part of it with a symbolic link (to `/`, to another run, to the
 * session secret): every component from the configured workspaces root down, the attempt
 * directory itself included, is opened without following links, and checked on the opened file
 * (open-under.ts), so neither a link nor a link swapped in after the listing leads out. A name
 * that leads elsewhere answers NOT_FOUND, like a missing file.
 */
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { env } from "~/env";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { artifactsSegments, workspacesRoot } from "~/server/executors/artifacts-dir";
import { openUnder, readOpenedDir, type OpenedUnder } from "~/server/executors/open-under";
import { engineStore } from "~/server/store/instance";
import { MAX_ROW_ID, ZId, ZName } from "./input-limits";

export const ZArtifact = z.object({
  /** path inside the attempt's directory, `/`-separated */
  name: z.string(),
  size: z.number().int(),
});
export type TArtifact = z.infer<typeof ZArtifact>;

export const ZListArtifacts = z.object({
  id: ZId,
  stepId: ZName,
  /** default: the step's current attempt */
  attempt: z.coerce.number().int().min(1).max(MAX_ROW_ID).optional(),
});

/** Listing stops here: an artifacts directory is for review, not a file store. */
const MAX_FILES = 200;
const MAX_DEPTH = 4;

/** The step's attempt in a run of the actor's team (NOT_FOUND for another team's run or an unknown step). */
async function attemptOf(actor: Actor, runId: string, stepId: string, attempt: number | undefined): Promise<number> {
  const rows = await engineStore().sql.read<{ attempt: number }>(
    'SELECT s."attempt" FROM "StepRun" s JOIN "Run" r ON r."id" = s."runId" WHERE s."runId" = ? AND s."stepId" = ? AND r."teamId" = ?',
    [runId, stepId, actor.teamId],
  );
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `No step ${stepId} in run ${runId} of team ${actor.teamName}.`);
  const current = Number(row.attempt);
  if (attempt !== undefined && (attempt > current || attempt < 1)) throw new AppError("NOT_FOUND", `Step ${stepId} has no attempt ${attempt}.`);
  return attempt ?? current;
}

/** Regular files under the opened `dir` (symbolic links are neither followed nor listed), sorted by name. */
async function walk(segments: string[], prefix: string, depth: number, out: TArtifact[]): Promise<void> {
  const dir = await openUnder(workspacesRoot(env.dataDir), segments, "directory");
  if (!dir) return;
  try {
    const entries = (await readOpenedDir(dir)).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (out.length >= MAX_FILES) return;
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory && depth < MAX_DEPTH) await walk([...segments, entry.name], name, depth + 1, out);
      else if (entry.isFile) {
        // Through the open directory: its entry, whatever its path now leads to.
        const info = await lstat(join(`/proc/self/fd/${dir.handle.fd}`, entry.name)).catch(() => lstat(join(dir.path, entry.name)));
        if (info.isFile()) out.push({ name, size: info.size });
      }
    }
  } finally {
    await dir.handle.close();
  }
}

export async function listArtifacts(actor: Actor, input: z.infer<typeof ZListArtifacts>): Promise<{ attempt: number; items: TArtifact[] }> {
  const attempt = await attemptOf(actor, input.id, input.stepId, input.attempt);
  if (attempt === 0) return { attempt, items: [] };
  const items: TArtifact[] = [];
  await walk(artifactsSegments(input.id, input.stepId, attempt), "", 0, items);
  return { attempt, items };
}

/** Checks a requested name before touching the disk: relative, no `..`, no empty or odd segments. */
function checkName(name: string): void {
  const segments = name.split("/");
  if (name.length === 0 || name.length > 1000 || name.includes("\0") || name.includes("\\") || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new AppError("NOT_FOUND", `No artifact ${JSON.stringify(name)}.`);
  }
}

/**
 * One artifact, opened for download (the caller streams from the handle and closes it): NOT_FOUND
 * unless it is a regular file reached from the workspaces root without a symbolic link. The
 * handle, not a path, goes to the response, so nothing is looked up again after the check.
 */
export async function openArtifact(actor: Actor, input: { id: string; stepId: string; attempt: number; name: string }): Promise<OpenedUnder> {
  checkName(input.name);
  const attempt = await attemptOf(actor, input.id, input.stepId, input.attempt);
  const file = await openUnder(workspacesRoot(env.dataDir), [...artifactsSegments(input.id, input.stepId, attempt), ...input.name.split("/")], "file");
  if (!file) throw new AppError("NOT_FOUND", `No artifact ${JSON.stringify(input.name)} for ${input.stepId} attempt ${attempt}.`);
  return file;
}
