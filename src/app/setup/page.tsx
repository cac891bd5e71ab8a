import { redirect } from "next/navigation";
import { AuthCard } from "~/features/auth/auth-card";
import { SetupForm } from "~/features/auth/setup-form";
import { needsSetup } from "~/server/services/bootstrap";

export const dynamic = "force-dynamic";

/** One-time: shown only while no user exists. */
export default async function SetupPage() {
  if (!(await needsSetup())) redirect("/signin");
  return (
    <AuthCard title="Create the admin account" subtitle="First start: this account administers the Default team.">
      <SetupForm />
    </AuthCard>
  );
}
