import type { TeamRole, TenantRole, TokenScope } from "../db/schema/enums";
import { ApiError, invalid } from "./errors";

/** Who is calling: a signed-in user (session) or an API token. Both resolve to this one shape. */
export interface Principal {
  tenantId: string;
  tenantSlug: string;
  actor: { type: "user" | "token"; id: string; label: string };
  /** The user behind the call: the signed-in user, or the token's creator. */
  userId: string;
  /** Tenant role; a token acts with at most `member` rights, and as `viewer` when its creator is one now. */
  role: TenantRole;
  /** Team id → effective team role (a viewer's maintainer role counts as `member`). A token belongs to exactly one team. */
  teams: Record<string, TeamRole>;
  /** Sessions carry every scope their role allows; tokens the scopes they were given that their creator still has. */
  scopes: readonly TokenScope[] | "all";
  viaSession: boolean;
}

export const isTenantAdmin = (p: Principal) => p.role === "owner" || p.role === "admin";

/** A viewer holds no write right anywhere, whatever their team roles or a token's scopes say. */
export function hasScope(p: Principal, scope: TokenScope): boolean {
  if (scope !== "read" && p.role === "viewer") return false;
  return p.scopes === "all" || p.scopes.includes(scope);
}

export function requireScope(p: Principal, scope: TokenScope): void {
  if (!hasScope(p, scope)) throw new ApiError("forbidden", `this credential lacks the "${scope}" scope`);
}

export function requireAdmin(p: Principal): void {
  if (p.actor.type !== "user" || !isTenantAdmin(p)) throw new ApiError("forbidden", "only tenant owners and admins can do this");
}

/** Teams a principal may act for: tokens their one team, users their memberships, tenant admins every team (null); viewers none. */
export function teamsActedFor(p: Principal): readonly string[] | null {
  if (p.role === "viewer") return [];
  if (p.actor.type === "user" && isTenantAdmin(p)) return null;
  return Object.keys(p.teams);
}

/** Whether the principal may act for the team (teamsActedFor). */
export function canActForTeam(p: Principal, teamId: string): boolean {
  const teams = teamsActedFor(p);
  return teams === null || teams.includes(teamId);
}

/** A signed-in maintainer of the team who is not a tenant viewer (viewers hold no write right, as maintainers neither). */
export function isTeamMaintainer(p: Principal, teamId: string): boolean {
  return p.actor.type === "user" && p.role !== "viewer" && p.teams[teamId] === "maintainer";
}

export function requireTeamWrite(p: Principal, teamId: string, scope: TokenScope): void {
  requireScope(p, scope);
  if (!canActForTeam(p, teamId)) throw new ApiError("forbidden", "you are not a member of the team that owns this");
}

/** Maintaining a team is a write right, which a tenant viewer cannot hold: making one a maintainer is refused. */
export function requireMayMaintain(tenantRole: TenantRole): void {
  if (tenantRole === "viewer") throw invalid("role", "a tenant viewer cannot be a team maintainer; make them a tenant member first");
}

export function requireTeamMaintainer(p: Principal, teamId: string): void {
  if (p.actor.type === "user" && (isTenantAdmin(p) || isTeamMaintainer(p, teamId))) return;
  throw new ApiError("forbidden", "only team maintainers and tenant admins can do this");
}

/** Teams are visible to every user of the tenant; a token sees only its own team. */
export function canSeeTeam(p: Principal, teamId: string): boolean {
  return p.actor.type === "user" || teamId in p.teams;
}

/** A team's own things (connections, tokens) are visible to its members, tenant admins and the team's tokens. */
export function canSeeTeamResources(p: Principal, teamId: string): boolean {
  if (p.actor.type === "token") return teamId in p.teams;
  return isTenantAdmin(p) || teamId in p.teams;
}

/** Teams whose resources a list may include; `null` means every team (tenant admins). */
export function visibleTeamIds(p: Principal): string[] | null {
  if (p.actor.type === "user" && isTenantAdmin(p)) return null;
  return Object.keys(p.teams);
}

/** Some writes (creating credentials, managing secrets) need a signed-in person, never a token. */
export function requireSignedInUser(p: Principal, what: string): void {
  if (p.actor.type !== "user" || !p.viaSession) throw new ApiError("forbidden", `${what} needs a signed-in user; API tokens cannot do this`);
}

/**
 * Writes to a team's secrets, and uses of them on request (testing a connection): a signed-in member of the team
 * (not a viewer) or a tenant admin. `what` names the act in the refusal.
 */
export function requireTeamSecretsWrite(p: Principal, teamId: string, what = "changing connections"): void {
  requireSignedInUser(p, what);
  if (!canActForTeam(p, teamId)) throw new ApiError("forbidden", `${what} needs a member of the owning team or a tenant admin`);
}
