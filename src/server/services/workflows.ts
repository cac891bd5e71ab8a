/**
 * Workflows of a team: immutable versions of YAML text with their parsed definition. Saving the same
 * text again makes no new version. The files of workflows/ are loaded at start into the first team.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { loadWorkflow } from "~/engine/definition/load-workflow";
import type { WorkflowDefinition } from "~/engine/definition/schema";
import type { Actor } from "~/server/auth/actor";
import { db } from "~/server/db";
import { AppError } from "~/server/errors";
import { newId } from "~/server/ids";
import { logger } from "~/server/logger";

export const ZValidationError = z.object({ line: z.number(), col: z.number(), path: z.string(), message: z.string(), code: z.string() });
export const ZValidation = z.object({ valid: z.boolean(), errors: z.array(ZValidationError) });

export const ZWorkflowSummary = z.object({
  name: z.string(),
  description: z.string(),
  latestVersion: z.number().int(),
  updatedAt: z.date(),
});

export const ZWorkflowVersion = z.object({
  version: z.number().int(),
  createdAt: z.date(),
  authorId: z.string().nullable(),
  message: z.string().nullable(),
  source: z.string(),
});

export const ZWorkflowDetail = z.object({
  name: z.string(),
  description: z.string(),
  versions: z.array(ZWorkflowVersion),
  latest: z.object({ version: z.number().int(), yaml: z.string(), definition: z.record(z.string(), z.unknown()) }),
});

export const ZSaveWorkflow = z.object({
  yaml: z.string().min(1, "Send the workflow's YAML text."),
  message: z.string().max(500).optional(),
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function validateWorkflowYaml(yaml: string, file?: string): z.infer<typeof ZValidation> & { definition?: WorkflowDefinition } {
  const result = loadWorkflow(yaml, { file });
  if (result.ok) return { valid: true, errors: [], definition: result.definition };
  return {
    valid: false,
    errors: result.errors.map((e) => ({ line: e.line, col: e.col, path: e.path, message: e.message, code: e.code })),
  };
}

export async function listWorkflows(actor: Actor): Promise<z.infer<typeof ZWorkflowSummary>[]> {
  const rows = await db.workflow.findMany({
    where: { teamId: actor.teamId },
    orderBy: { name: "asc" },
    include: { versions: { orderBy: { version: "desc" }, take: 1, select: { version: true } } },
  });
  return rows.map((w) => ({ name: w.name, description: w.description, latestVersion: w.versions[0]?.version ?? 0, updatedAt: w.updatedAt }));
}

export async function getWorkflow(actor: Actor, name: string): Promise<z.infer<typeof ZWorkflowDetail>> {
  const w = await db.workflow.findUnique({
    where: { teamId_name: { teamId: actor.teamId, name } },
    include: { versions: { orderBy: { version: "desc" } } },
  });
  const latest = w?.versions[0];
  if (!w || !latest) throw new AppError("NOT_FOUND", `No workflow "${name}" in team ${actor.teamName}.`);
  return {
    name: w.name,
    description: w.description,
    versions: w.versions.map((v) => ({ version: v.version, createdAt: v.createdAt, authorId: v.authorId, message: v.message, source: v.source })),
    latest: { version: latest.version, yaml: latest.yaml, definition: JSON.parse(latest.definition) as Record<string, unknown> },
  };
}

type SaveResult = { name: string; version: number; created: boolean };

/** Stores a new version unless the text is the latest version's already. Invalid YAML is refused with every error. */
export async function saveWorkflow(
  team: { id: string; name: string },
  input: { yaml: string; message?: string; authorId?: string | null; source?: string; file?: string },
): Promise<SaveResult> {
  const checked = validateWorkflowYaml(input.yaml, input.file);
  if (!checked.definition) {
    const first = checked.errors[0];
    throw new AppError(
      "BAD_REQUEST",
      `The workflow has ${checked.errors.length} error(s); first: ${first ? `${first.line}:${first.col} ${first.message}` : "unknown"}`,
      { errors: checked.errors },
    );
  }
  const def = checked.definition;
  const hash = sha256(input.yaml);
  return db.$transaction(async (tx) => {
    const wf = await tx.workflow.upsert({
      where: { teamId_name: { teamId: team.id, name: def.name } },
      update: { description: def.description ?? "" },
      create: { id: newId("wf"), teamId: team.id, name: def.name, description: def.description ?? "" },
    });
    const latest = await tx.workflowVersion.findFirst({ where: { workflowId: wf.id }, orderBy: { version: "desc" } });
    if (latest?.sha256 === hash) return { name: wf.name, version: latest.version, created: false };
    const version = (latest?.version ?? 0) + 1;
    await tx.workflowVersion.create({
      data: {
        id: newId("wfv"),
        workflowId: wf.id,
        version,
        yaml: input.yaml,
        definition: JSON.stringify(def),
        sha256: hash,
        authorId: input.authorId ?? null,
        message: input.message ?? null,
        source: input.source ?? "api",
      },
    });
    return { name: wf.name, version, created: true };
  });
}

export function saveWorkflowAs(actor: Actor, input: z.infer<typeof ZSaveWorkflow>): Promise<SaveResult> {
  return saveWorkflow({ id: actor.teamId, name: actor.teamName }, { ...input, authorId: actor.userId, source: "api" });
}

/** Loads every workflows/*.yaml into the team: a new version when a file changed, nothing otherwise. */
export async function loadWorkflowFiles(team: { id: string; name: string }, dir = resolve(/*turbopackIgnore: true*/ process.cwd(), "workflows")) {
  const out: SaveResult[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return out;
  }
  for (const f of files) {
    try {
      out.push(await saveWorkflow(team, { yaml: readFileSync(join(dir, f), "utf8"), source: `file:workflows/${f}`, file: `workflows/${f}` }));
    } catch (e) {
      logger.error({ file: f, err: e instanceof AppError ? e.details : e }, `workflows/${f} is invalid and was not loaded`);
    }
  }
  return out;
}
