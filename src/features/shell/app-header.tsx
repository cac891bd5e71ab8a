import Link from "next/link";
import type { Actor } from "~/server/auth/actor";
import type { Permission } from "~/server/auth/permissions";
import { NavLinks, type NavItem } from "./nav-links";
import { SignOutButton } from "./sign-out-button";

const NAV: (NavItem & { perm: Permission })[] = [
  { href: "/workflows", label: "Workflows", perm: "workflow.read" },
  { href: "/runs", label: "Runs", perm: "run.read" },
  { href: "/approvals", label: "Approvals", perm: "approval.read" },
  { href: "/audit", label: "Audit", perm: "audit.read_decisions" },
  { href: "/admin", label: "Admin", perm: "user.manage" },
];

/** Navigation shows what the actor may open; the server still checks every call. */
export function AppHeader({ actor }: { actor: Actor }) {
  const items = NAV.filter((n) => actor.permissions.has(n.perm)).map(({ href, label }) => ({ href, label }));
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl items-center gap-6 px-6 py-3">
        <Link href="/" className="text-sm font-bold tracking-tight text-brand-700">
          wf orchestrator
        </Link>
        <nav aria-label="Main" className="flex-1">
          <NavLinks items={items} showPending={actor.permissions.has("approval.decide")} />
        </nav>
        <div className="flex items-center gap-3 text-sm" aria-label="Signed in as">
          <div className="text-right leading-tight">
            <div className="font-medium" data-testid="current-user">
              {actor.name ?? actor.email}
            </div>
            <div className="text-xs text-slate-500" data-testid="current-team">
              {actor.teamName} · {actor.roles.join(", ")}
            </div>
          </div>
          <Link href="/tokens" className="text-slate-600 hover:text-slate-900">
            API tokens
          </Link>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
