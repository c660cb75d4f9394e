import type { TenantCtx } from "../db/client";
import type { SsoGroupMapping } from "../db/repo/sso/config";
import { teamRolesOf } from "../db/repo/sso/sign-ins";
import type { TeamRole, TenantRole } from "../db/schema/enums";

const ROLE_RANK: Record<TenantRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** The groups claim as a list of strings: providers send an array (Okta, Entra, Auth0) or, for one group, a string. */
export function groupsFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return [];
}

/**
 * What the groups of one sign-in give, against the tenant's mappings:
 * - the tenant role: the highest role among matching mappings that name one; when some mapping names a role but none
 *   matches, the default role (`null` here) — the provider decides roles once any mapping does; with no mapping
 *   naming a role, the person keeps theirs;
 * - teams: for every team some mapping names, membership exactly when a matching mapping names it (maintainer when
 *   any matching one says so; plain member for a viewer, who cannot maintain). Teams no mapping names are left alone.
 */
export async function syncFromGroups(ctx: TenantCtx, userId: string, currentRole: TenantRole | null, groups: string[], mappings: SsoGroupMapping[]) {
  const matched = mappings.filter((m) => groups.includes(m.groupName));
  const rolesDecided = mappings.some((m) => m.tenantRole !== null);
  let mappedRole: TenantRole | null = null;
  for (const m of matched) if (m.tenantRole && (mappedRole === null || ROLE_RANK[m.tenantRole] > ROLE_RANK[mappedRole])) mappedRole = m.tenantRole;
  const managedTeams = [...new Set(mappings.flatMap((m) => (m.teamId ? [m.teamId] : [])))];
  const wanted = new Map<string, TeamRole>();
  for (const m of matched) if (m.teamId && wanted.get(m.teamId) !== "maintainer") wanted.set(m.teamId, m.teamRole);
  const current = currentRole === null ? new Map<string, TeamRole>() : await teamRolesOf(ctx, userId, managedTeams);
  return {
    /** The role the groups give; null when none of the matching mappings names one. */
    tenantRole: rolesDecided ? mappedRole : null,
    rolesDecided,
    teams(role: TenantRole) {
      const add: Array<{ teamId: string; role: TeamRole }> = [];
      const update: Array<{ teamId: string; role: TeamRole }> = [];
      const remove: string[] = [];
      for (const teamId of managedTeams) {
        const want = wanted.get(teamId);
        const have = current.get(teamId);
        const effective = want && role === "viewer" ? "member" : want;
        if (effective && !have) add.push({ teamId, role: effective });
        else if (effective && have !== effective) update.push({ teamId, role: effective });
        else if (!effective && have) remove.push(teamId);
      }
      return { add, update, remove };
    },
  };
}
