import { Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";

export default function ApprovalsPage() {
  return (
    <>
      <PageTitle title="Approvals" subtitle="Gates waiting for a decision." />
      <Card>
        <p className="text-sm text-slate-600">No pending approvals.</p>
      </Card>
    </>
  );
}
