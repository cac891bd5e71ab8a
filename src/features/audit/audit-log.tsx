"use client";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { SelectField, TextField } from "~/components/ui/field";
import { formatTime } from "~/features/shared/format";
import type { AppRouter } from "~/server/api/root";
import { AUDIT_ACTION_NAMES, AUDIT_TARGET_TYPES } from "~/server/store/audit-actions";
import { useTRPC, useTRPCClient } from "~/trpc/react";
import { changedFields, exportUrl, filterParams, shortValue, type AuditFilters } from "./audit-changes";

type Out = inferRouterOutputs<AppRouter>;
type Entry = Out["audit"]["list"][number];
type Verification = Out["audit"]["verify"];

const PAGE = 50;
const NO_FILTERS: AuditFilters = { actor: "", action: "", target: "", from: "", to: "" };

function JsonCell({ label, value }: { label: string; value: unknown }) {
  if (value === undefined || value === null) return <span className="text-slate-400">—</span>;
  return (
    <details>
      <summary className="cursor-pointer text-xs text-slate-600">{label}</summary>
      <pre aria-label={label} className="mt-1 max-w-md overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-2 font-mono text-xs ring-1 ring-slate-200">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

function Changes({ entry }: { entry: Entry }) {
  const changes = changedFields(entry.before, entry.after);
  if (changes.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <ul className="space-y-0.5 text-xs" aria-label={`Changes #${entry.id}`}>
      {changes.slice(0, 6).map((c) => (
        <li key={c.key}>
          <span className="font-medium text-slate-700">{c.key}</span>:{" "}
          {c.before !== undefined && entry.before !== undefined ? (
            <>
              <span className="text-red-700 line-through decoration-red-300">{shortValue(c.before)}</span> →{" "}
            </>
          ) : null}
          <span className="text-emerald-800">{shortValue(c.after)}</span>
        </li>
      ))}
      {changes.length > 6 ? <li className="text-slate-500">and {changes.length - 6} more</li> : null}
    </ul>
  );
}

/**
 * The team's audit log, newest first, filtered on the server by actor, action, target and time,
 * a page at a time ("Load more" asks for entries below the last id seen). Admins see every change
 * and may check the hash chain; approvers see the decisions on gates. "Export" downloads what the
 * filters select as JSON lines.
 */
export function AuditLog({ scope, teamName }: { scope: "all" | "decisions"; teamName: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const query = { ...filterParams(filters), order: "desc" as const, limit: PAGE };
  const first = useQuery(trpc.audit.list.queryOptions(query, { staleTime: 0 }));
  // Later pages, by the filters they were loaded for (new filters start again from the first page).
  const [more, setMore] = useState<{ key: string; entries: Entry[]; exhausted: boolean }>({ key: "", entries: [], exhausted: false });
  const key = JSON.stringify(query);
  const extra = more.key === key ? more : { key, entries: [], exhausted: false };
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [verify, setVerify] = useState<Verification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);

  const entries = [...(first.data ?? []), ...extra.entries];
  const done = extra.exhausted || (first.data !== undefined && first.data.length < PAGE && extra.entries.length === 0);
  const filtered = Object.keys(filterParams(filters)).length > 0;

  async function loadMore() {
    const last = entries.at(-1);
    setLoading(true);
    setLoadError(null);
    try {
      const page = await client.audit.list.query({ ...query, ...(last ? { before: last.id } : {}) });
      setMore({ key, entries: [...extra.entries, ...page], exhausted: page.length < PAGE });
    } catch (e) {
      setLoadError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }

  async function runVerify() {
    setVerifying(true);
    setVerifyError(null);
    try {
      setVerify(await client.audit.verify.query());
    } catch (e) {
      setVerifyError(e instanceof Error ? e.message : String(e));
    } finally {
      setVerifying(false);
    }
  }

  function apply(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFilters(draft);
  }

  const set = (k: keyof AuditFilters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const actions = scope === "all" ? AUDIT_ACTION_NAMES : AUDIT_ACTION_NAMES.filter((a) => a.startsWith("gate."));
  const kinds = scope === "all" ? AUDIT_TARGET_TYPES : (["gate"] as const);

  return (
    <div className="flex flex-col gap-4">
      {scope === "all" ? (
        <div className="flex flex-wrap items-center gap-3">
          <Button variant="secondary" disabled={verifying} onClick={() => void runVerify()}>
            Verify chain
          </Button>
          {verify ? (
            verify.ok ? (
              <Alert kind="success">Chain intact: {verify.rows} rows verified.</Alert>
            ) : (
              <Alert>
                Chain broken at row {verify.badRowId ?? "?"}: {verify.reason ?? "hash mismatch"} ({verify.rows} rows checked).
              </Alert>
            )
          ) : null}
          {verifyError ? <Alert>{verifyError}</Alert> : null}
        </div>
      ) : (
        <Alert kind="info">You see the decisions on gates of team {teamName}: who decided what, and when. Admins see every change.</Alert>
      )}
      <Card>
        <form onSubmit={apply} className="mb-4 grid grid-cols-1 gap-3 md:grid-cols-6 md:items-end" aria-label="Audit filters">
          <TextField id="audit-actor" label="Actor" placeholder="e-mail, engine, system" value={draft.actor} onChange={set("actor")} />
          <SelectField id="audit-action" label="Action" value={draft.action} onChange={set("action")}>
            <option value="">Any action</option>
            <optgroup label="Every action of a kind">
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {k}.*
                </option>
              ))}
            </optgroup>
            <optgroup label="One action">
              {actions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          </SelectField>
          <TextField id="audit-target" label="Target" placeholder="run:run_…, user, or an id" value={draft.target} onChange={set("target")} />
          <TextField id="audit-from" label="From" type="datetime-local" value={draft.from} onChange={set("from")} />
          <TextField id="audit-to" label="To" type="datetime-local" value={draft.to} onChange={set("to")} />
          <div className="flex gap-2">
            <Button type="submit">Apply</Button>
            <Button
              variant="ghost"
              onClick={() => {
                setDraft(NO_FILTERS);
                setFilters(NO_FILTERS);
              }}
            >
              Clear
            </Button>
          </div>
        </form>
        <div className="mb-3 flex items-center justify-between gap-3 text-sm text-slate-600">
          <span data-testid="audit-summary">
            {first.data ? `${entries.length}${done ? "" : "+"} ${entries.length === 1 ? "entry" : "entries"}${filtered ? (entries.length === 1 ? " matches" : " match") : ""}, newest first` : ""}
          </span>
          <a className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-100" href={exportUrl(filters)} download>
            Export JSON lines
          </a>
        </div>
        {first.error ? <Alert>{first.error.message}</Alert> : null}
        {!first.data && !first.error ? <p className="text-sm text-slate-500">Loading…</p> : null}
        {first.data && entries.length === 0 ? <p className="text-sm text-slate-600">No audit entries{filtered ? " match the filters" : " yet"}.</p> : null}
        {entries.length ? (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Audit log">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-3">#</th>
                  <th className="pr-3">Time</th>
                  <th className="pr-3">Actor</th>
                  <th className="pr-3">Action</th>
                  <th className="pr-3">Target</th>
                  <th className="pr-3">Changes</th>
                  <th className="pr-3">Before</th>
                  <th>After</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-testid="audit-row" className="border-t border-slate-100 align-top">
                    <td className="py-2 pr-3 tabular-nums text-slate-500" title={e.hash}>
                      {e.id}
                    </td>
                    <td className="whitespace-nowrap py-2 pr-3">{formatTime(e.at)}</td>
                    <td className="py-2 pr-3">{e.actor}</td>
                    <td className="py-2 pr-3 font-mono text-xs">{e.action}</td>
                    <td className="py-2 pr-3 font-mono text-xs">
                      <span className="mr-1 rounded bg-slate-100 px-1 text-slate-600">{e.targetType}</span>
                      <span className="break-all">{e.targetId}</span>
                    </td>
                    <td className="py-2 pr-3">
                      <Changes entry={e} />
                    </td>
                    <td className="py-2 pr-3">
                      <JsonCell label={`Before #${e.id}`} value={e.before} />
                    </td>
                    <td className="py-2">
                      <JsonCell label={`After #${e.id}`} value={e.after} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {loadError ? <Alert>{loadError}</Alert> : null}
        {first.data && !done ? (
          <div className="mt-4">
            <Button variant="secondary" disabled={loading} onClick={() => void loadMore()}>
              Load more
            </Button>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
