"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { PendingBadge, usePendingCount } from "~/features/approvals/pending-badge";

export type NavItem = { href: string; label: string };

const APPROVALS = "/approvals";

/** `showPending`: the actor may decide gates, so the Approvals link counts those waiting for them. */
export function NavLinks({ items, showPending = false }: { items: NavItem[]; showPending?: boolean }) {
  const path = usePathname();
  const pending = usePendingCount(showPending && items.some((i) => i.href === APPROVALS));
  return (
    <ul className="flex items-center gap-1">
      {items.map((item) => {
        const active = item.href === "/" ? path === "/" : path.startsWith(item.href);
        const badge = item.href === APPROVALS && pending > 0;
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={active ? "page" : undefined}
              aria-label={badge ? `${item.label}, ${pending} pending` : undefined}
              className={`inline-flex items-center rounded-md px-3 py-1.5 text-sm font-medium ${active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}
            >
              {item.label}
              {badge ? <PendingBadge count={pending} /> : null}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
