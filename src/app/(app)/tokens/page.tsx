import { redirect } from "next/navigation";
import { PageTitle } from "~/components/ui/page-title";
import { TokensPanel } from "~/features/admin/tokens-panel";
import { rolesCoveredBy } from "~/server/auth/permissions";
import { getServerActor } from "~/server/auth/session";

/** Every user's own API tokens (the CLI as themselves), capped by their roles. */
export default async function TokensPage() {
  const actor = await getServerActor();
  if (!actor) redirect("/signin");
  return (
    <>
      <PageTitle title="API tokens" subtitle={`Your tokens in team ${actor.teamName}.`} />
      <TokensPanel scope="personal" roles={rolesCoveredBy(actor.permissions)} />
    </>
  );
}
