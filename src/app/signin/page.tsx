import { redirect } from "next/navigation";
import { Suspense } from "react";
import { AuthCard } from "~/features/auth/auth-card";
import { SignInForm } from "~/features/auth/sign-in-form";
import { getServerActor } from "~/server/auth/session";
import { needsSetup } from "~/server/services/bootstrap";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await needsSetup()) redirect("/setup");
  if (await getServerActor()) redirect("/");
  return (
    <AuthCard title="Sign in" subtitle="Workflows, runs and approvals of your team.">
      <Suspense>
        <SignInForm />
      </Suspense>
    </AuthCard>
  );
}
