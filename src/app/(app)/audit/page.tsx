import { Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";

export default function AuditPage() {
  return (
    <>
      <PageTitle title="Audit" subtitle="Append-only record of decisions and changes." />
      <Card>
        <p className="text-sm text-slate-600">No audit entries yet.</p>
      </Card>
    </>
  );
}
