"use client";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { TextField } from "~/components/ui/field";
import { formatTime } from "~/features/runs/format";
import type { AppRouter } from "~/server/api/root";
import { useTRPC, useTRPCClient } from "~/trpc/react";

type Out = inferRouterOutputs<AppRouter>;
type Entry = Out["audit"]["list"][number];
type Verification = Out["audit"]["verify"];

const PAGE = 50;

function JsonCell({ label, value }: { label: string; value: unknown }) {
  if (value === undefined || value === null) return <span className="text-slate-400">—</span>;
  return (
    <details>
      <summary className="cursor-pointer text-xs text-slate-600">{label}</summary>
      <pre aria-label={label} className="mt-1 max-w-md overflow-auto rounded bg-slate-50 p-2 font-mono text-xs ring-1 ring-slate-200">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

/**
 * The team's append-only audit log, oldest first, a page at a time ("Load more" asks for entries
 * after the last id seen), filtered in the browser, with a check of the hash chain.
 */
export function AuditLog() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const first = useQuery(trpc.audit.list.queryOptions({ limit: PAGE }, { staleTime: 0 }));
  const [more, setMore] = useState<Entry[]>([]);
  const [exhausted, setExhausted] = useState(false);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const [verify, setVerify] = useState<Verification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);

  const entries = [...(first.data ?? []), ...more];
  const done = exhausted || (first.data !== undefined && first.data.length < PAGE && more.length === 0);
  const rows = entries.filter((e) => e.action.toLowerCase().includes(action.toLowerCase()) && e.actor.toLowerCase().includes(actor.toLowerCase()));

  async function loadMore() {
    const last = entries.at(-1);
    setLoading(true);
    setLoadError(null);
    try {
      const page = await client.audit.list.query({ after: last?.id ?? 0, limit: PAGE });
      setMore((prev) => [...prev, ...page]);
      if (page.length < PAGE) setExhausted(true);
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

  return (
    <div className="flex flex-col gap-4">
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
      <Card>
        <div className="mb-4 grid max-w-xl grid-cols-2 gap-4">
          <TextField id="audit-action" label="Action" placeholder="e.g. gate.decided" value={action} onChange={(e) => setAction(e.target.value)} />
          <TextField id="audit-actor" label="Actor" placeholder="e-mail" value={actor} onChange={(e) => setActor(e.target.value)} />
        </div>
        {first.error ? <Alert>{first.error.message}</Alert> : null}
        {!first.data && !first.error ? <p className="text-sm text-slate-500">Loading…</p> : null}
        {first.data && rows.length === 0 ? <p className="text-sm text-slate-600">No audit entries{entries.length ? " match the filter" : " yet"}.</p> : null}
        {rows.length ? (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Audit log">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-3">#</th>
                  <th className="pr-3">Time</th>
                  <th className="pr-3">Actor</th>
                  <th className="pr-3">Action</th>
                  <th className="pr-3">Target</th>
                  <th className="pr-3">Before</th>
                  <th>After</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id} data-testid="audit-row" className="border-t border-slate-100 align-top">
                    <td className="py-2 pr-3 tabular-nums text-slate-500" title={e.hash}>
                      {e.id}
                    </td>
                    <td className="whitespace-nowrap py-2 pr-3">{formatTime(e.at)}</td>
                    <td className="py-2 pr-3">{e.actor}</td>
                    <td className="py-2 pr-3 font-mono text-xs">{e.action}</td>
                    <td className="py-2 pr-3 font-mono text-xs">{e.target}</td>
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
