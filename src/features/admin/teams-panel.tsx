"use client";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { TextField } from "~/components/ui/field";
import { useTRPC } from "~/trpc/react";

/**
 * Creates another team with its first admin (a new user). You do not join it: its admin signs in
 * and manages its members; the two teams see nothing of each other.
 */
export function TeamsPanel() {
  const trpc = useTRPC();
  const create = useMutation(trpc.teams.create.mutationOptions());
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
