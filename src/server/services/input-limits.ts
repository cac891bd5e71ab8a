/**
 * Size limits of the fields procedures take (issue 13 #7): every string, list and number an API
 * input carries is bounded here or beside its schema, so no field can carry more than it needs
 * (src/server/api/input-limits.test.ts fails on an unbounded one). Request bodies as a whole are
 * limited by MAX_REQUEST_BYTES (src/server/http/body-limit.ts), run inputs by the engine.
 */
import { z } from "zod";
import { DEFAULT_LOAD_LIMITS } from "~/engine/definition/load-workflow";

/** Longest id of a row (ours are a prefix and 32 hex digits). */
export const MAX_ID_CHARS = 100;
/** Longest name of a workflow, a step id or a run's workflow. */
export const MAX_NAME_CHARS = 200;
/** RFC 5321: an e-mail address (forward path) has at most 254 characters. */
export const MAX_EMAIL_CHARS = 254;
/** A URL of a webhook. */
export const MAX_URL_CHARS = 2048;
/** The largest integer a database row id holds (INTEGER on PostgreSQL). */
export const MAX_ROW_ID = 2_147_483_647;

/** A row id: run, token, user, gate, webhook... */
export const ZId = z.string().min(1, "Give an id.").max(MAX_ID_CHARS, `An id has at most ${MAX_ID_CHARS} characters.`);
/** A gate's id: `<run id>:<step id>:<attempt>`. */
export const ZGateId = z.string().min(1, "Give the gate's id.").max(512, "A gate id has at most 512 characters.");
/** A name (workflow, step id). */
export const ZName = z.string().max(MAX_NAME_CHARS, `A name has at most ${MAX_NAME_CHARS} characters.`);
/** A workflow's YAML text: at most what the loader accepts (DEFAULT_LOAD_LIMITS.maxBytes). */
export const ZYaml = z
  .string()
  .max(DEFAULT_LOAD_LIMITS.maxBytes, `A workflow file has at most ${DEFAULT_LOAD_LIMITS.maxBytes.toLocaleString("en")} characters: split it into sub-workflows.`);
/** A row id used as a pagination position (`after`, `before`). */
export const ZRowId = (min = 0) => z.coerce.number().int().min(min).max(MAX_ROW_ID, "Not a row id: pass the value the previous page returned.");
