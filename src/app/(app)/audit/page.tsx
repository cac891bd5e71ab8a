import { PageTitle } from "~/components/ui/page-title";
import { AuditLog } from "~/features/audit/audit-log";

export default function AuditPage() {
  return (
    <>
      <PageTitle title="Audit" subtitle="Append-only, hash-chained record of decisions and changes." />
      <AuditLog />
    </>
  );
}
