import { Alert } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";
import { TeamsPanel } from "~/features/admin/teams-panel";
import { TokensPanel } from "~/features/admin/tokens-panel";
import { UsersPanel } from "~/features/admin/users-panel";
import { ROLES } from "~/server/auth/permissions";
import { getServerActor } from "~/server/auth/session";

export default async function AdminPage() {
  const actor = await getServerActor();
  if (!actor?.permissions.has("user.manage")) {
    return <Alert>You need the admin role in this team to open Admin.</Alert>;
  }
  return (
    <>
      <PageTitle title="Admin" subtitle={`Users, roles and API tokens of team ${actor.teamName}; new teams.`} />
      <div className="flex flex-col gap-6">
        <UsersPanel />
        <TokensPanel scope="team" roles={ROLES} />
        {actor.permissions.has("team.manage") ? <TeamsPanel /> : null}
      </div>
    </>
  );
}
