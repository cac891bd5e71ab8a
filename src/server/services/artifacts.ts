/**
 * Artifacts: files a step attempt left in its `$WF_ARTIFACTS` directory (see artifacts-dir.ts),
 * listed for the run page and the gate panel, and opened for download. Every path is resolved
 * under the attempt's directory, as written and on disk (a step may leave a symbolic link to `/`):
 * a name that leads elsewhere answers NOT_FOUND, like a missing file.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { env } from "~/env";
import type { Actor } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { artifactsDir } from "~/server/executors/artifacts-dir";
import { resolveInside } from "~/server/executors/resolve-inside";
import { engineStore } from "~/server/store/instance";

export const ZArtifact = z.object({
  /** path inside the attempt's directory, `/`-separated */
  name: z.string(),
  size: z.number().int(),
});
export type TArtifact = z.infer<typeof ZArtifact>;

export const ZListArtifacts = z.object({
  id: z.string(),
  stepId: z.string(),
  /** default: the step's current attempt */
  attempt: z.coerce.number().int().min(1).optional(),
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

/** Regular files under `dir` (symbolic links are not followed nor listed), sorted by name. */
async function walk(dir: string, prefix: string, depth: number, out: TArtifact[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (out.length >= MAX_FILES) return;
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory() && depth < MAX_DEPTH) await walk(join(dir, entry.name), name, depth + 1, out);
    else if (entry.isFile()) out.push({ name, size: (await lstat(join(dir, entry.name))).size });
  }
}

export async function listArtifacts(actor: Actor, input: z.infer<typeof ZListArtifacts>): Promise<{ attempt: number; items: TArtifact[] }> {
  const attempt = await attemptOf(actor, input.id, input.stepId, input.attempt);
  if (attempt === 0) return { attempt, items: [] };
  const items: TArtifact[] = [];
  await walk(artifactsDir(env.dataDir, input.id, input.stepId, attempt), "", 0, items);
  return { attempt, items };
}

/** Checks a requested name before touching the disk: relative, no `..`, no empty or odd segments. */
function checkName(name: string): void {
  const segments = name.split("/");
  if (name.length === 0 || name.length > 1000 || name.includes("\0") || name.includes("\\") || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new AppError("NOT_FOUND", `No artifact ${JSON.stringify(name)}.`);
  }
}

/** The absolute path of one artifact, for download; NOT_FOUND unless it is a file inside its directory. */
export async function artifactPath(actor: Actor, input: { id: string; stepId: string; attempt: number; name: string }): Promise<{ path: string; size: number }> {
  checkName(input.name);
  const attempt = await attemptOf(actor, input.id, input.stepId, input.attempt);
  const root = artifactsDir(env.dataDir, input.id, input.stepId, attempt);
  const inside = await resolveInside(root, input.name);
  if (!inside.ok) throw new AppError("NOT_FOUND", `No artifact ${JSON.stringify(input.name)} for ${input.stepId} attempt ${attempt}.`);
  const info = await lstat(inside.path);
  if (!info.isFile()) throw new AppError("NOT_FOUND", `No artifact ${JSON.stringify(input.name)} for ${input.stepId} attempt ${attempt}.`);
  return { path: inside.path, size: info.size };
}
