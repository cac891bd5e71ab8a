import type { Path } from "../graph/build-graph";

/**
 * One problem in a workflow file. line/col are 1-based; 0 when the definition did not come from a
 * file (validated from code). `path` reads like `steps[3].needs[0]`.
 */
export interface WorkflowIssue {
  file?: string;
  line: number;
  col: number;
  path: string;
  message: string;
  code: WorkflowIssueCode;
}

export type WorkflowIssueCode =
  | "file_too_large"
  | "yaml_syntax"
  | "duplicate_key"
  | "alias_limit"
  | "too_many_steps"
  | "too_deep"
  | "not_a_mapping"
  | "unknown_field"
  | "invalid_type"
  | "invalid_value"
  | "missing_field"
  | "unknown_step_type"
  | "duplicate_id"
  | "unknown_dependency"
  | "self_dependency"
  | "cycle"
  | "expression_syntax"
  | "expression_type"
  | "reference_not_upstream"
  | "unknown_reference"
  | "shell_template"
  | "invalid_input"
  | "internal";


/**
 * Maps a path to a source position; returns line/col 0 when there is no source. `key` points at a
 * key of the mapping at `path`; `within` points inside a scalar (an expression at an offset).
 */
export type Locate = (path: Path, opts?: { key?: string; within?: { text: string; offset: number } }) => { line: number; col: number };

export const noSource: Locate = () => ({ line: 0, col: 0 });

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "symbol") out += `[${String(part)}]`;
    else if (IDENT.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** `file:line:col: message`, the one-line form used by the CLI. */
export function formatIssue(issue: WorkflowIssue): string {
  const where = `${issue.file ?? "<input>"}:${issue.line}:${issue.col}`;
  return `${where}: ${issue.message}${issue.path ? ` (at ${issue.path})` : ""}`;
}
