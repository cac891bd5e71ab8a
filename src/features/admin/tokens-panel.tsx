"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { SelectField, TextField } from "~/components/ui/field";
import type { Role } from "~/server/auth/permissions";
import { useTRPC } from "~/trpc/react";

function when(d: Date | null) {
  return d ? d.toLocaleString() : "never";
}

/**
 * API tokens. `team` (Admin): every token of the team, and a token may act as another member.
 * `personal` (/tokens, every user): the caller's own tokens. `roles`: the roles the caller may give
 * a token (the server refuses more anyway, capped by the token's user).
 */
export function TokensPanel({ scope, roles }: { scope: "team" | "personal"; roles: readonly Role[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: invalidate }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: invalidate }));
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    setError(null);
    try {
      const user = String(form.get("user") ?? "").trim();
      const res = await create.mutateAsync({ name: String(form.get("name")), role: String(form.get("role")) as Role, ...(user ? { user } : {}) });
      setSecret(res.secret);
      formEl.reset();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <Card title={scope === "team" ? "API tokens" : "Your API tokens"}>
      {scope === "personal" ? (
        <p className="mb-4 text-sm text-slate-600">
          For the <code>wf</code> CLI and scripts: <code>WF_TOKEN=…</code>. A token acts as you, with at most the role you choose here, and
          never more than your roles allow now.
        </p>
      ) : null}
      {secret ? (
        <div className="mb-4">
          <Alert kind="success">
            <p className="mb-1 font-medium">Copy this token now: it is shown only once.</p>
            <code className="block break-all rounded bg-white px-2 py-1 font-mono text-xs" aria-label="New token secret" data-testid="token-secret">
              {secret}
            </code>
          </Alert>
        </div>
      ) : null}
      {error ? <div className="mb-3"><Alert>{error}</Alert></div> : null}
      <table className="mb-6 w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2">Name</th>
            <th>Role</th>
            <th>Acts as</th>
            <th>Created</th>
            <th>Last used</th>
            <th className="text-right">Status</th>
          </tr>
        </thead>
        <tbody>
          {tokens.data?.map((t) => (
            <tr key={t.id} className="border-t border-slate-100">
              <td className="py-2">
                <div className="font-medium">{t.name}</div>
                <div className="font-mono text-xs text-slate-500">{t.prefix}…</div>
              </td>
              <td>{t.role}</td>
              <td>{t.user.email}</td>
              <td>{when(t.createdAt)}</td>
              <td>{when(t.lastUsedAt)}</td>
              <td className="text-right">
                {t.revokedAt ? (
                  <span className="text-slate-500">revoked</span>
                ) : (
                  <Button variant="danger" aria-label={`Revoke ${t.name}`} onClick={() => revoke.mutate({ id: t.id })}>
                    Revoke
                  </Button>
                )}
              </td>
            </tr>
          ))}
          {tokens.data?.length === 0 ? (
            <tr>
              <td colSpan={6} className="py-3 text-slate-500">
                No tokens yet.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <form onSubmit={onCreate} className="flex flex-wrap items-end gap-3" aria-label="Create token">
        <TextField id="token-name" name="name" label="Token name" placeholder="ci, cli, agent…" required />
        <SelectField id="token-role" name="role" label="Role" defaultValue={roles.includes("operator") ? "operator" : roles[roles.length - 1]}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        {scope === "team" ? <TextField id="token-user" name="user" label="Acts as (e-mail, default: you)" placeholder="ci-bot@example.com" /> : null}
        <Button type="submit" disabled={create.isPending}>
          Create token
        </Button>
      </form>
    </Card>
  );
}
