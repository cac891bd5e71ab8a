/**
 * The canvas's view of a workflow, read from the raw parsed YAML (not the validated definition):
 * the canvas must still draw a document with errors in it (a cycle typed into the YAML is shown on
 * the graph, not replaced by an empty canvas). Pure.
 */
import { findCycles } from "~/engine/graph/find-cycles";
import { formatPath, type WorkflowIssue } from "~/engine/definition/workflow-issue";

export type Branch = "steps" | "then" | "else";

export interface EditorStep {
  /** Node id: the step id, or its path when the id is missing or taken by an earlier step. */
  key: string;
  /** The step id as written ("" when missing). */
  id: string;
  type: string;
  /** Where the step is in the YAML, e.g. `steps[2].steps[0]`. */
  path: string;
  /** Key of the enclosing parallel/conditional, and which of its lists holds this step. */
  parent?: string;
  branch?: Branch;
  needs: string[];
  name?: string;
  condition?: string;
  /** The step's mapping as written (for the inspector). */
  raw: Record<string, unknown>;
}

export interface EditorEdge {
  id: string;
  /** Node keys: `to` needs `from`. */
  from: string;
  to: string;
}

export interface EditorGraph {
  steps: EditorStep[];
  byKey: Map<string, EditorStep>;
  edges: EditorEdge[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
export const CONTAINER_TYPES = new Set(["parallel", "conditional"]);

export function edgeId(from: string, to: string): string {
  return `${from}->${to}`;
}

export function readGraph(data: unknown): EditorGraph {
  const steps: EditorStep[] = [];
  const byKey = new Map<string, EditorStep>();
  const walk = (list: unknown, at: (string | number)[], parent?: string, branch?: Branch): void => {
    if (!Array.isArray(list)) return;
    list.forEach((item: unknown, i) => {
      const raw = isRecord(item) ? item : {};
      const pathParts = [...at, i];
      const path = formatPath(pathParts);
      const rawId = raw["id"];
      const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : "";
      const key = id !== "" && !byKey.has(id) ? id : path;
      const needsRaw = raw["needs"];
      const needs = Array.isArray(needsRaw) ? needsRaw.filter((n): n is string | number => typeof n === "string" || typeof n === "number").map(String) : typeof needsRaw === "string" ? [needsRaw] : [];
      const step: EditorStep = {
        key,
        id,
        type: typeof raw["type"] === "string" ? raw["type"] : "",
        path,
        needs,
        raw,
        ...(parent !== undefined ? { parent } : {}),
        ...(branch !== undefined ? { branch } : {}),
        ...(typeof raw["name"] === "string" ? { name: raw["name"] } : {}),
        ...(typeof raw["if"] === "string" ? { condition: raw["if"] } : {}),
      };
      steps.push(step);
      byKey.set(key, step);
      for (const b of ["steps", "then", "else"] as const) walk(raw[b], [...pathParts, b], key, b);
    });
  };
  if (isRecord(data)) walk(data["steps"], ["steps"]);
  const edges: EditorEdge[] = [];
  const seen = new Set<string>();
  for (const s of steps) {
    for (const n of s.needs) {
      if (!byKey.has(n) || n === s.key) continue;
      const id = edgeId(n, s.key);
      if (seen.has(id)) continue;
      seen.add(id);
      edges.push({ id, from: n, to: s.key });
    }
  }
  return { steps, byKey, edges };
}

export interface IssueMap {
  /** Issues per node key (the step whose path is the longest prefix of the issue's path). */
  byStep: Map<string, WorkflowIssue[]>;
  /** Issues per `key|field`, field being the path inside the step (`params.command`, `needs`). */
  byField: Map<string, WorkflowIssue[]>;
  /** Node keys and edge ids along dependency cycles. */
  cycleNodes: Set<string>;
  cycleEdges: Set<string>;
}

/** Maps the engine's issues (paths like `steps[3].needs[0]`) to nodes and inspector fields. */
export function mapIssues(graph: EditorGraph, issues: readonly WorkflowIssue[]): IssueMap {
  const byStep = new Map<string, WorkflowIssue[]>();
  const byField = new Map<string, WorkflowIssue[]>();
  // Longest paths first so a nested step wins over its container.
  const byPath = [...graph.steps].sort((a, b) => b.path.length - a.path.length);
  const push = <K>(m: Map<K, WorkflowIssue[]>, k: K, i: WorkflowIssue): void => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  for (const issue of issues) {
    const step = byPath.find((s) => issue.path === s.path || issue.path.startsWith(`${s.path}.`) || issue.path.startsWith(`${s.path}[`));
    if (!step) continue;
    push(byStep, step.key, issue);
    const rest = issue.path.slice(step.path.length).replace(/^\./, "");
    // `needs[0]` -> `needs`, `params.command` stays: the inspector shows lists as one field.
    const field = rest.replace(/\[\d+\].*$/, "").replace(/^\[.*$/, "");
    push(byField, `${step.key}|${field}`, issue);
  }
  const cycleNodes = new Set<string>();
  const cycleEdges = new Set<string>();
  const keys = graph.steps.map((s) => s.key);
  for (const cycle of findCycles(keys, (k) => graph.byKey.get(k)?.needs ?? [])) {
    // [a, b, c, a]: b needs a, c needs b, a needs c.
    for (let i = 0; i + 1 < cycle.length; i++) {
      const from = cycle[i] as string;
      const to = cycle[i + 1] as string;
      cycleNodes.add(from);
      cycleEdges.add(edgeId(from, to));
    }
  }
  return { byStep, byField, cycleNodes, cycleEdges };
}
