"use client";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert } from "~/components/ui/card";
import { Dialog } from "~/components/ui/dialog";
import { TextField } from "~/components/ui/field";
import { useTRPC } from "~/trpc/react";

/** Mirrors the server's rule (ZPassword in src/server/services/users.ts), which still decides. */
export const PASSWORD_MIN = 8;
const PASSWORD_MAX = 200;

export function passwordProblem(password: string, repeat: string): { password?: string; repeat?: string } {
  if (password.length < PASSWORD_MIN) return { password: `At least ${PASSWORD_MIN} characters (${password.length} so far).` };
  if (password.length > PASSWORD_MAX) return { password: `At most ${PASSWORD_MAX} characters.` };
  if (repeat !== password) return { repeat: "The two passwords differ." };
  return {};
}

/**
 * A new password for a user, typed twice, checked as you type; the server's refusal is shown in the
 * dialog. On success the user's sessions end (they sign in with the new password).
 */
export function ResetPasswordDialog({ user, onDone, onCancel }: { user: { id: string; email: string }; onDone: () => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const reset = useMutation(trpc.users.resetPassword.mutationOptions());
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [touched, setTouched] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const problem = passwordProblem(password, repeat);
  const shown = touched ? problem : {};

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setTouched(true);
    setServerError(null);
    if (problem.password || problem.repeat) return;
    try {
      await reset.mutateAsync({ userId: user.id, password });
      onDone();
    } catch (err) {
      setServerError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <Dialog label={`Reset password of ${user.email}`} title="Reset password" onClose={onCancel}>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="flex flex-col gap-3">
        <p className="text-sm text-slate-600">
          A new password for <span className="font-medium">{user.email}</span>. Their open sessions end; tell them the new password another way.
        </p>
        <TextField
          id="reset-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          onBlur={() => password && setTouched(true)}
          error={shown.password}
          aria-describedby="reset-password-hint"
        />
        <p id="reset-password-hint" className="-mt-2 text-xs text-slate-500">
          {PASSWORD_MIN} to {PASSWORD_MAX} characters.
        </p>
        <TextField id="reset-password-repeat" label="Repeat the password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} error={shown.repeat} />
        {serverError ? <Alert>{serverError}</Alert> : null}
        <div className="mt-2 flex justify-end gap-2">
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" disabled={reset.isPending}>
            Set password
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
