"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { Alert, Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";
import { useTRPC } from "~/trpc/react";
import { WorkflowEditor, type EditorSource } from "./workflow-editor";
import { applyOp } from "./yaml-doc";

/**
 * The editor on the latest version of a saved workflow (with its layout). The page's server
 * component reads the version (no API round trips before the canvas); the editor mounts on the
 * client only (canvas and CodeMirror measure the DOM).
 */
export function EditWorkflowPage({ source }: { source: EditorSource }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    performance.mark("wf-editor:source");
    setMounted(true);
  }, []);
  if (!mounted) return <p className="text-sm text-slate-500">Loading the editor…</p>;
  return <WorkflowEditor source={source} />;
}

const BLANK = `# yaml-language-server: $schema=/schema/workflow.json
name: my-workflow
description: What this workflow does
steps: []
`;

/** A new workflow: blank, or a copy of a workflows/ template renamed so saving does not overwrite it. */
export function NewWorkflowPage({ template }: { template?: string }) {
  const trpc = useTRPC();
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const templates = useQuery({ ...trpc.workflows.templates.queryOptions(), enabled: template !== undefined });
  const yaml = useMemo(() => {
    if (template === undefined) return BLANK;
    const t = templates.data?.find((x) => x.file === template);
    if (!t) return undefined;
    const renamed = applyOp(t.yaml, { kind: "setRootField", path: ["name"], value: `${t.name}-copy` });
    return renamed.ok ? renamed.text : t.yaml;
  }, [template, templates.data]);
  if (templates.error) return <Alert>{templates.error.message}</Alert>;
  if (template !== undefined && templates.data && yaml === undefined) return <Alert>No template {template} in workflows/.</Alert>;
  if (yaml === undefined || !mounted) return <p className="text-sm text-slate-500">Loading the editor…</p>;
  return <WorkflowEditor key={template ?? "blank"} source={{ version: 0, yaml, positions: {} }} />;
}

/** "New from template": the files of workflows/. */
export function TemplateList() {
  const trpc = useTRPC();
  const templates = useQuery(trpc.workflows.templates.queryOptions());
  return (
    <>
      <PageTitle title="New from template" subtitle="Start from one of the workflows shipped in workflows/. Saving creates a new workflow." />
      <Card>
        {templates.error ? <Alert>{templates.error.message}</Alert> : null}
        <ul className="divide-y divide-slate-100 text-sm" aria-label="Templates">
          {templates.data?.map((t) => (
            <li key={t.file} className="flex items-center justify-between gap-4 py-2">
              <div>
                <Link className="font-medium text-brand-600 hover:underline" href={`/workflows/new?template=${encodeURIComponent(t.file)}`} aria-label={`Use template ${t.name}`}>
                  {t.name}
                </Link>
                <p className="text-slate-500">{t.description}</p>
              </div>
              <span className="font-mono text-xs text-slate-400">workflows/{t.file}</span>
            </li>
          ))}
        </ul>
      </Card>
    </>
  );
}
