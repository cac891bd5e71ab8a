/**
 * The one permission table: which role grants which permission. Roles are held per team (a user may
 * hold several); a user's permissions in a team are the union over their roles there. An API token
 * acts as its user, capped by the token's role.
 */
import { z } from "zod";

export const ROLES = ["viewer", "editor", "operator", "approver", "admin"] as const;
export const ZRole = z.enum(ROLES);
export type Role = z.infer<typeof ZRole>;

export const PERMISSIONS = [
  "workflow.read",
  "workflow.write",
  "run.read",
  "run.start",
  "run.control",
  "approval.read",
  "approval.decide",
  /** every entry of the team's audit log, and the check of its hash chain */
  "audit.read",
  /** the audit log's entries about gates: who decided what, when (approvers) */
  "audit.read_decisions",
  "user.manage",
  "token.manage",
  /** create teams (each with its own first admin); the creator does not join them */
  "team.manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ["workflow.read", "run.read", "approval.read"];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: READ,
  editor: [...READ, "workflow.write", "run.start"],
  operator: [...READ, "run.start", "run.control"],
  approver: [...READ, "approval.decide", "audit.read_decisions"],
  admin: PERMISSIONS,
};

/**
 * What a procedure requires: a permission, `"authenticated"` (any signed-in user or token) or
 * `"public"` (no identity needed, e.g. first-run setup).
 */
export type Requirement = Permission | "authenticated" | "public";

export function permissionsOf(roles: Iterable<Role>): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of ROLE_PERMISSIONS[r]) out.add(p);
  return out;
}

/** A token's permissions: its user's permissions in the team, capped by the token's role. */
export function tokenPermissions(userRoles: Iterable<Role>, tokenRole: Role): Set<Permission> {
  const user = permissionsOf(userRoles);
  return new Set(ROLE_PERMISSIONS[tokenRole].filter((p) => user.has(p)));
}

/**
 * The roles a token acts with (gate policies name roles): the user's roles that fit under the
 * token's role, plus the token's role itself when the user's permissions cover it.
 */
export function tokenRoles(userRoles: Role[], tokenRole: Role): Role[] {
  const cap = new Set(ROLE_PERMISSIONS[tokenRole]);
  const user = permissionsOf(userRoles);
  const out = new Set(userRoles.filter((r) => ROLE_PERMISSIONS[r].every((p) => cap.has(p))));
  if (ROLE_PERMISSIONS[tokenRole].every((p) => user.has(p))) out.add(tokenRole);
  return [...out];
}

/** The roles whose every permission `perms` holds: what a token made with these permissions may be. */
export function rolesCoveredBy(perms: ReadonlySet<Permission>): Role[] {
  return ROLES.filter((r) => ROLE_PERMISSIONS[r].every((p) => perms.has(p)));
}
