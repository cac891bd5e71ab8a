import type { WorkflowIssue } from "~/engine/definition/workflow-issue";

/** The validator's problems with their line:col; picking one selects its step and moves the YAML cursor there. */
export function ProblemsList({ issues, onPick }: { issues: readonly WorkflowIssue[]; onPick: (i: WorkflowIssue) => void }) {
  return (
    <section aria-label="Problems" className="rounded-md border border-slate-200 bg-white" tabIndex={-1} id="editor-problems">
      <h2 className="border-b border-slate-100 px-3 py-1.5 text-xs font-semibold">
        Problems <span className={issues.length ? "text-red-700" : "text-emerald-700"}>({issues.length})</span>
      </h2>
      {issues.length === 0 ? (
        <p className="px-3 py-2 text-xs text-emerald-700">No problems: the engine's validator accepts this workflow.</p>
      ) : (
        <ul className="max-h-40 overflow-auto text-xs">
          {issues.map((i, n) => (
            <li key={n}>
              <button type="button" className="flex w-full gap-2 px-3 py-1 text-left hover:bg-red-50 focus:bg-red-50 focus:outline-none" onClick={() => onPick(i)}>
                <span className="shrink-0 font-mono text-slate-500">
                  {i.line}:{i.col}
                </span>
                <span className="text-red-800">{i.message}</span>
                {i.path ? <span className="ml-auto shrink-0 font-mono text-slate-400">{i.path}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
