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
import { AppError, isAppError } from "~/server/errors";
import { newId } from "~/server/ids";
import { logger } from "~/server/logger";
import { recordAudit } from "./audit/record-audit";
import { MAX_ROW_ID, ZYaml } from "./input-limits";

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

/**
 * Editor layout metadata kept with a version (never in the YAML): node positions by step id,
 * children relative to their container.
 */
export const ZLayout = z.object({
  positions: z.record(z.string().max(200), z.object({ x: z.number().min(-1e9).max(1e9), y: z.number().min(-1e9).max(1e9) })),
});
export type Layout = z.infer<typeof ZLayout>;

export const ZSaveWorkflow = z.object({
  yaml: ZYaml.min(1, "Send the workflow's YAML text."),
  message: z.string().max(500).optional(),
  /** Editor positions; omitted = keep the previous version's layout. */
  layout: ZLayout.optional(),
  /** The version the edit started from: saving over a newer version is a CONFLICT (lost-update guard). */
  baseVersion: z.number().int().min(0).max(MAX_ROW_ID).optional(),
});

export const ZVersionSummary = z.object({
  version: z.number().int(),
  createdAt: z.date(),
  author: z.object({ id: z.string(), email: z.string(), name: z.string().nullable() }).nullable(),
  message: z.string().nullable(),
  source: z.string(),
});

export const ZVersionDetail = ZVersionSummary.extend({
  name: z.string(),
  yaml: z.string(),
  layout: ZLayout.nullable(),
  definition: z.record(z.string(), z.unknown()),
});

export const ZWorkflowTemplate = z.object({ file: z.string(), name: z.string(), description: z.string(), yaml: z.string() });

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

/** A stored layout, or null when absent or unreadable (layout is advisory: never fail a read on it). */
function parseLayout(text: string | null): Layout | null {
  if (!text) return null;
  try {
    const parsed = ZLayout.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Canonical JSON of a layout (sorted keys) so equal layouts compare equal as text. */
function layoutText(layout: Layout): string {
  const positions = Object.fromEntries(Object.entries(layout.positions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, p]) => [k, { x: Math.round(p.x), y: Math.round(p.y) }]));
  return JSON.stringify({ positions });
}

/**
 * Stores a new version unless nothing changed: the same text with no layout, or with the layout the
 * latest version has already, makes no new version; the same text with a moved node does (layout
 * is part of a version). Invalid YAML is refused with every error.
 */
/** Names that are the editor's own pages under /workflows/ (a workflow of that name could not be opened). */
const RESERVED_NAMES = new Set(["new", "templates"]);

export async function saveWorkflow(
  team: { id: string; name: string },
  input: {
    yaml: string;
    message?: string;
    authorId?: string | null;
    /** who saves, for the audit log: the author's e-mail; `system` for the files loaded at start */
    by?: string;
    source?: string;
    file?: string;
    layout?: Layout;
    baseVersion?: number;
  },
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
  if (RESERVED_NAMES.has(def.name)) {
    throw new AppError("BAD_REQUEST", `The name "${def.name}" is taken by the page /workflows/${def.name}: choose another name.`);
  }
  const hash = sha256(input.yaml);
  return db.$transaction(async (tx) => {
    const wf = await tx.workflow.upsert({
      where: { teamId_name: { teamId: team.id, name: def.name } },
      update: { description: def.description ?? "" },
      create: { id: newId("wf"), teamId: team.id, name: def.name, description: def.description ?? "" },
    });
    const latest = await tx.workflowVersion.findFirst({ where: { workflowId: wf.id }, orderBy: { version: "desc" } });
    const layout = input.layout ? layoutText(input.layout) : (latest?.layout ?? null);
    if (latest?.sha256 === hash && (input.layout === undefined || layout === latest.layout)) return { name: wf.name, version: latest.version, created: false };
    if (input.baseVersion !== undefined && (latest?.version ?? 0) !== input.baseVersion) {
      throw new AppError(
        "CONFLICT",
        `Workflow "${def.name}" is at v${latest?.version ?? 0} now, your edit started from v${input.baseVersion}: reload it and apply your change again.`,
        { latestVersion: latest?.version ?? 0 },
      );
    }
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
        layout,
      },
    });
    const source = input.source ?? "api";
    // Before and after as text: the log shows the change as a diff of the YAML.
    await recordAudit({ prisma: tx }, input.by ? { email: input.by, teamId: team.id } : { system: "system", teamId: team.id }, {
      action: source.startsWith("restore:") ? "workflow.restored" : "workflow.saved",
      targetId: wf.name,
      before: latest ? { version: latest.version, sha256: latest.sha256, yaml: latest.yaml } : null,
      after: { version, sha256: hash, yaml: input.yaml, message: input.message ?? null, source, layoutChanged: layout !== (latest?.layout ?? null) },
    });
    return { name: wf.name, version, created: true };
  });
}

export function saveWorkflowAs(actor: Actor, input: z.infer<typeof ZSaveWorkflow>, source = "api"): Promise<SaveResult> {
  return saveWorkflow({ id: actor.teamId, name: actor.teamName }, { ...input, authorId: actor.userId, by: actor.email, source });
}

async function findWorkflow(actor: Actor, name: string) {
  const wf = await db.workflow.findUnique({ where: { teamId_name: { teamId: actor.teamId, name } } });
  if (!wf) throw new AppError("NOT_FOUND", `No workflow "${name}" in team ${actor.teamName}.`);
  return wf;
}

async function authorsById(ids: (string | null)[]): Promise<Map<string, { id: string; email: string; name: string | null }>> {
  const wanted = [...new Set(ids.filter((i): i is string => i !== null))];
  if (wanted.length === 0) return new Map();
  const users = await db.user.findMany({ where: { id: { in: wanted } }, select: { id: true, email: true, name: true } });
  return new Map(users.map((u) => [u.id, u]));
}

/** Every version of a workflow, newest first, with its author and message. */
export async function listVersions(actor: Actor, name: string): Promise<z.infer<typeof ZVersionSummary>[]> {
  const wf = await findWorkflow(actor, name);
  const rows = await db.workflowVersion.findMany({
    where: { workflowId: wf.id },
    orderBy: { version: "desc" },
    select: { version: true, createdAt: true, authorId: true, message: true, source: true },
  });
  const authors = await authorsById(rows.map((r) => r.authorId));
  return rows.map((r) => ({ version: r.version, createdAt: r.createdAt, author: (r.authorId && authors.get(r.authorId)) || null, message: r.message, source: r.source }));
}

/** One version (the latest when `version` is omitted): YAML text, layout and parsed definition. */
export async function getVersion(actor: Actor, name: string, version?: number): Promise<z.infer<typeof ZVersionDetail>> {
  const wf = await findWorkflow(actor, name);
  const row = await db.workflowVersion.findFirst({
    where: { workflowId: wf.id, ...(version !== undefined ? { version } : {}) },
    orderBy: { version: "desc" },
  });
  if (!row) throw new AppError("NOT_FOUND", `Workflow "${name}" has no version ${version ?? ""}.`);
  const authors = await authorsById([row.authorId]);
  return {
    name: wf.name,
    version: row.version,
    createdAt: row.createdAt,
    author: (row.authorId && authors.get(row.authorId)) || null,
    message: row.message,
    source: row.source,
    yaml: row.yaml,
    layout: parseLayout(row.layout),
    definition: JSON.parse(row.definition) as Record<string, unknown>,
  };
}

/**
 * Restores an old version as a new one (history is never rewritten): its YAML and layout become
 * the latest version. Restoring what the latest already is makes no new version.
 */
export async function restoreVersion(actor: Actor, input: { name: string; version: number; message?: string }): Promise<SaveResult> {
  const old = await getVersion(actor, input.name, input.version);
  return saveWorkflowAs(
    actor,
    { yaml: old.yaml, message: input.message ?? `Restore v${old.version}`, ...(old.layout ? { layout: old.layout } : {}) },
    `restore:v${old.version}`,
  );
}

/** The workflows/*.yaml files, offered by "New from template". */
export function listTemplates(dir = resolve(/*turbopackIgnore: true*/ process.cwd(), "workflows")): z.infer<typeof ZWorkflowTemplate>[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    try {
      const yaml = readFileSync(join(dir, file), "utf8");
      const loaded = loadWorkflow(yaml);
      const name = loaded.ok ? loaded.definition.name : file.replace(/\.ya?ml$/, "");
      const description = loaded.ok ? (loaded.definition.description ?? "") : "";
      return [{ file, name, description, yaml }];
    } catch {
      return [];
    }
  });
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
      logger.error({ file: f, err: isAppError(e) ? e.details : e }, `workflows/${f} is invalid and was not loaded`);
    }
  }
  return out;
}
