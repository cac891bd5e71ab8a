"use client";

type Artifact = { name: string; size: number };

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Download URL of one artifact (each path segment encoded; the server keeps it under its root). */
export function artifactUrl(runId: string, stepId: string, attempt: number, name: string): string {
  const path = name.split("/").map(encodeURIComponent).join("/");
  return `/api/v1/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/artifacts/${attempt}/${path}`;
}

/** Files a step attempt left in $WF_ARTIFACTS, with their size and a download link each. */
export function ArtifactsList({ runId, stepId, attempt, items }: { runId: string; stepId: string; attempt: number; items: readonly Artifact[] }) {
  if (items.length === 0) return <p className="text-xs text-slate-500">No artifacts (files written to $WF_ARTIFACTS show here).</p>;
  return (
    <ul aria-label={`Artifacts of ${stepId}`} className="flex flex-col gap-1 text-sm">
      {items.map((a) => (
        <li key={a.name} className="flex items-center justify-between gap-3">
          <a className="truncate font-mono text-xs text-brand-600 hover:underline" href={artifactUrl(runId, stepId, attempt, a.name)} download>
            {a.name}
          </a>
          <span className="shrink-0 text-xs tabular-nums text-slate-500">{formatSize(a.size)}</span>
        </li>
      ))}
    </ul>
  );
}
