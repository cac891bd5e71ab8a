import { PageTitle } from "~/components/ui/page-title";
import { ApprovalsInbox } from "~/features/approvals/approvals-inbox";

export default function ApprovalsPage() {
  return (
    <>
      <PageTitle title="Approvals" subtitle="Gates waiting for a decision, across the team's runs." />
      <ApprovalsInbox />
    </>
  );
}
