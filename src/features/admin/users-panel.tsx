"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert, Card } from "~/components/ui/card";
import { ConfirmDialog } from "~/components/ui/confirm-dialog";
import { TextField } from "~/components/ui/field";
import { ROLES, type Role } from "~/server/auth/permissions";
import { useTRPC } from "~/trpc/react";
import { ResetPasswordDialog } from "./reset-password-dialog";

function RoleChecks({ name, value, onChange }: { name: string; value: Role[]; onChange: (roles: Role[]) => void }) {
  return (
    <fieldset className="flex flex-wrap gap-3">
      <legend className="sr-only">Roles</legend>
      {ROLES.map((r) => (
        <label key={r} className="flex items-center gap-1 text-sm">
          <input
            type="checkbox"
            name={name}
            value={r}
            checked={value.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))}
          />
          {r}
        </label>
      ))}
    </fieldset>
  );
}

export function UsersPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: invalidate }));
  const setRoles = useMutation(trpc.users.setRoles.mutationOptions({ onSuccess: invalidate }));
  const setDisabled = useMutation(trpc.users.setDisabled.mutationOptions({ onSuccess: invalidate }));
  // Disabling locks the user out at once (their sessions end): it asks first. Enabling does not.
  const [disabling, setDisabling] = useState<{ id: string; email: string } | null>(null);
  const [resetting, setResetting] = useState<{ id: string; email: string } | null>(null);
  const [roles, setNewRoles] = useState<Role[]>(["viewer"]);
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);

  async function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    try {
      await create.mutateAsync({
        email: String(form.get("email")),
        name: String(form.get("name") ?? "") || undefined,
        password: String(form.get("password")),
        roles,
      });
      formEl.reset();
      setNewRoles(["viewer"]);
      setMessage({ kind: "success", text: "User created." });
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    }
  }

  async function act(fn: () => Promise<unknown>, ok: string) {
    try {
      await fn();
      setMessage({ kind: "success", text: ok });
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    }
  }

  return (
    <Card title="Users">
      {message ? <div className="mb-3"><Alert kind={message.kind}>{message.text}</Alert></div> : null}
      <table className="mb-6 w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2">User</th>
            <th>Roles</th>
            <th>Status</th>
            <th className="text-right">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id} className="border-t border-slate-100 align-top">
              <td className="py-2">
                <div className="font-medium">{u.email}</div>
                <div className="text-xs text-slate-500">{u.name}</div>
              </td>
              <td className="py-2">
                <RoleChecks name={`roles-${u.id}`} value={u.roles} onChange={(r) => void act(() => setRoles.mutateAsync({ userId: u.id, roles: r }), `Roles of ${u.email} saved.`)} />
              </td>
              <td className="py-2">{u.disabled ? <span className="text-red-600">disabled</span> : "active"}</td>
              <td className="space-x-2 py-2 text-right">
                <Button
                  variant="secondary"
                  aria-label={`${u.disabled ? "Enable" : "Disable"} ${u.email}`}
                  onClick={() =>
                    u.disabled ? void act(() => setDisabled.mutateAsync({ userId: u.id, disabled: false }), `${u.email} enabled.`) : setDisabling({ id: u.id, email: u.email })
                  }
                >
                  {u.disabled ? "Enable" : "Disable"}
                </Button>
                <Button variant="secondary" aria-label={`Reset password of ${u.email}`} onClick={() => setResetting({ id: u.id, email: u.email })}>
                  Reset password
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {disabling ? (
        <ConfirmDialog
          title={`Disable ${disabling.email}?`}
          cancelLabel="Keep enabled"
          confirmLabel="Yes, disable"
          busy={setDisabled.isPending}
          onCancel={() => setDisabling(null)}
          onConfirm={() => {
            const u = disabling;
            setDisabling(null);
            void act(() => setDisabled.mutateAsync({ userId: u.id, disabled: true }), `${u.email} disabled.`);
          }}
        >
          <span className="font-medium">{disabling.email}</span> can no longer sign in: their open sessions end now, and their API tokens stop working while they are disabled. You
          can enable them again later.
        </ConfirmDialog>
      ) : null}
      {resetting ? (
        <ResetPasswordDialog
          user={resetting}
          onCancel={() => setResetting(null)}
          onDone={() => {
            setMessage({ kind: "success", text: `Password of ${resetting.email} reset; their sessions ended.` });
            setResetting(null);
          }}
        />
      ) : null}
      <form onSubmit={onCreate} className="grid gap-3 md:grid-cols-4" aria-label="Create user">
        <TextField id="new-email" name="email" type="email" label="E-mail" required />
        <TextField id="new-name" name="name" label="Name" />
        <TextField id="new-password" name="password" type="password" label="Initial password" minLength={8} required />
        <div className="flex flex-col gap-1">
          <span className="text-sm font-medium text-slate-700">Roles</span>
          <RoleChecks name="new-roles" value={roles} onChange={setNewRoles} />
        </div>
        <div className="md:col-span-4">
          <Button type="submit" disabled={create.isPending}>
            Create user
          </Button>
        </div>
      </form>
    </Card>
  );
}
