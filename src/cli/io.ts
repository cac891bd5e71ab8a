import { readFileSync } from "node:fs";
import { loadWorkflow, type LoadResult } from "~/engine/definition/load-workflow";

/** Reads and loads one workflow file; a read error becomes a load error at 1:1. */
export function loadFile(file: string): LoadResult {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ file, line: 1, col: 1, path: "", code: "internal", message: `cannot read file: ${message}` }] };
  }
  return loadWorkflow(source, { file });
}
