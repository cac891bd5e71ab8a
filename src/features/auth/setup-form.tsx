"use client";
import { useMutation } from "@tanstack/react-query";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Alert } from "~/components/ui/card";
import { TextField } from "~/components/ui/field";
import { useTRPC } from "~/trpc/react";

export function SetupForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const create = useMutation(trpc.setup.createAdmin.mutationOptions());

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    if (password !== String(form.get("confirm") ?? "")) return setError("The two passwords differ.");
    setError(null);
    try {
      await create.mutateAsync({ email, password, name: String(form.get("name") ?? "") || undefined });
    } catch (err) {
      return setError(err instanceof Error ? err.message : String(err));
    }
    await signIn("credentials", { email, password, redirect: false });
    router.replace("/");
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="Create the admin account">
      {error ? <Alert>{error}</Alert> : null}
      <TextField id="name" name="name" label="Name" autoComplete="name" />
      <TextField id="email" name="email" type="email" label="E-mail" autoComplete="username" required />
      <TextField id="password" name="password" type="password" label="Password (8+ characters)" minLength={8} autoComplete="new-password" required />
      <TextField id="confirm" name="confirm" type="password" label="Repeat password" minLength={8} autoComplete="new-password" required />
      <Button type="submit" disabled={create.isPending}>
        Create admin
      </Button>
    </form>
  );
}
