import { parseDocument } from "yaml";
import type { WorkflowIssue } from "~/engine/definition/workflow-issue";

/** The YAML text read as data, or where its first syntax error is. */
export type Parsed = { ok: true; data: unknown } | { ok: false; message: string; line: number; col: number };

/** Reads the editor's text as YAML (silently: errors are returned, not logged). Pure. */
export function parseText(text: string): Parsed {
  const doc = parseDocument(text, { logLevel: "silent", prettyErrors: false });
  const e = doc.errors[0];
  if (e) return { ok: false, message: e.message.split("\n")[0] ?? "YAML syntax error", line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col ?? 1 };
  return { ok: true, data: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

/**
 * The problems to list: the validator's, with the parser's syntax error first while the text does not
 * parse (validation is debounced, so it may not have reported it yet).
 */
export function withSyntaxIssue(parsed: Parsed, issues: WorkflowIssue[]): WorkflowIssue[] {
  if (parsed.ok || issues.some((i) => i.code === "yaml_syntax")) return issues;
  return [{ line: parsed.line, col: parsed.col, path: "", code: "yaml_syntax" as const, message: `YAML syntax error: ${parsed.message}` }, ...issues];
}
