import { Alert } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";
import { AuditLog } from "~/features/audit/audit-log";
import { getServerActor } from "~/server/auth/session";

export default async function AuditPage() {
  const actor = await getServerActor();
  if (!actor?.permissions.has("audit.read_decisions")) {
    return <Alert>You need the approver or admin role in this team to open Audit.</Alert>;
  }
  const scope = actor.permissions.has("audit.read") ? "all" : "decisions";
  return (
    <>
      <PageTitle
        title="Audit"
        subtitle={scope === "all" ? "Append-only, hash-chained record of every change in the team: runs, workflows, users, tokens, teams, webhooks and gate decisions." : "Decisions on the team's gates."}
      />
      <AuditLog scope={scope} teamName={actor.teamName} />
    </>
  );
}
