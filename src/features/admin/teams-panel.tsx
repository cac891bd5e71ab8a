"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { TextField } from "~/components/ui/field";
import { formatTime } from "~/features/shared/format";
import { useTRPC } from "~/trpc/react";

/**
 * The teams you belong to and those created from this team (name, members, created), and a form
 * that creates another team with its first admin (a new user). You do not join it: its admin signs
 * in and manages its members; the two teams see nothing of each other.
 */
export function TeamsPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const create = useMutation(trpc.teams.create.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.teams.list.queryKey() }) }));
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);

  async function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    try {
      const team = await create.mutateAsync({
        name: String(form.get("team")),
        admin: { email: String(form.get("email")), name: String(form.get("name") ?? "") || undefined, password: String(form.get("password")) },
      });
      formEl.reset();
      setMessage({ kind: "success", text: `Team ${team.name} created; its admin is ${team.admin.email}.` });
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    }
  }

  return (
    <Card title="Teams">
      {message ? (
        <div className="mb-3">
          <Alert kind={message.kind}>{message.text}</Alert>
        </div>
      ) : null}
      {teams.error ? <Alert>{teams.error.message}</Alert> : null}
      {teams.data ? (
        <table className="mb-6 w-full text-left text-sm" aria-label="Teams">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="py-2">Team</th>
              <th>Members</th>
              <th>Created</th>
              <th>You</th>
            </tr>
          </thead>
          <tbody>
            {teams.data.map((t) => (
              <tr key={t.id} data-testid="team-row" className="border-t border-slate-100">
                <td className="py-2 font-medium">{t.name}</td>
                <td className="py-2 tabular-nums">{t.members}</td>
                <td className="py-2 whitespace-nowrap">{formatTime(t.createdAt)}</td>
                <td className="py-2 text-slate-600">{t.current ? "member (current team)" : t.relation === "member" ? "member" : "created from this team"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className="mb-3 text-sm text-slate-600">A new team starts empty, with its own first admin. You do not become a member of it.</p>
      <form onSubmit={onCreate} className="grid gap-3 md:grid-cols-4" aria-label="Create team">
        <TextField id="team-name" name="team" label="Team name" required maxLength={100} />
        <TextField id="team-admin-email" name="email" type="email" label="Admin e-mail" required />
        <TextField id="team-admin-name" name="name" label="Admin name" />
        <TextField id="team-admin-password" name="password" type="password" label="Admin password" minLength={8} required />
        <div className="md:col-span-4">
          <Button type="submit" disabled={create.isPending}>
            Create team
          </Button>
        </div>
      </form>
    </Card>
  );
}
