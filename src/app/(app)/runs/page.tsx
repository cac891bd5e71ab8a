import { Card } from "~/components/ui/card";
import { PageTitle } from "~/components/ui/page-title";

export default function RunsPage() {
  return (
    <>
      <PageTitle title="Runs" subtitle="Every run of your team's workflows." />
      <Card>
        <p className="text-sm text-slate-600">No runs yet.</p>
      </Card>
    </>
  );
}
