"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

/**
 * What the signed-in user may do, to hide controls they cannot use. Only cosmetic: the server
 * checks every call. Until `me` has loaded, nothing is allowed (no flash of forbidden buttons).
 */
export function usePermissions() {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.get.queryOptions(undefined, { staleTime: 60_000 }));
  const perms = new Set<string>(me.data?.permissions ?? []);
  return {
    canWrite: perms.has("workflow.write"),
    canStart: perms.has("run.start"),
    canControl: perms.has("run.control"),
    canDecide: perms.has("approval.decide"),
    canAudit: perms.has("audit.read_decisions"),
    canAuditAll: perms.has("audit.read"),
    loaded: Boolean(me.data),
  };
}
