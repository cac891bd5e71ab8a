import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppHeader } from "~/features/shell/app-header";
import { getServerActor } from "~/server/auth/session";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const actor = await getServerActor();
  if (!actor) redirect("/signin");
  return (
    <div className="min-h-screen">
      <AppHeader actor={actor} />
      <main className="mx-auto max-w-7xl px-6 py-6">{children}</main>
    </div>
  );
}
