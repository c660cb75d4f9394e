import type { TeamRole, TenantRole, TokenScope } from "../db/schema/enums";
import { ApiError } from "./errors";

/** Who is calling: a signed-in user (session) or an API token. Both resolve to this one shape. */
export interface Principal {
  tenantId: string;
  tenantSlug: string;
  actor: { type: "user" | "token"; id: string; label: string };
  /** The user behind the call: the signed-in user, or the token's creator. */
  userId: string;
  /** Tenant role; a token acts with at most `member` rights. */
  role: TenantRole;
  /** Team id → team role. A token belongs to exactly one team. */
  teams: Record<string, TeamRole>;
  /** Sessions carry every scope their role allows; tokens carry the scopes they were given. */
  scopes: readonly TokenScope[] | "all";
  viaSession: boolean;
}

export const isTenantAdmin = (p: Principal) => p.role === "owner" || p.role === "admin";

export function hasScope(p: Principal, scope: TokenScope): boolean {
  if (p.scopes === "all") return scope === "read" || p.role !== "viewer";
  return p.scopes.includes(scope);
}

export function requireScope(p: Principal, scope: TokenScope): void {
  if (!hasScope(p, scope)) throw new ApiError("forbidden", `this credential lacks the "${scope}" scope`);
}

export function requireAdmin(p: Principal): void {
  if (p.actor.type !== "user" || !isTenantAdmin(p)) throw new ApiError("forbidden", "only tenant owners and admins can do this");
}

/** Teams a principal may act for: tokens their one team, users their memberships (admins every team). */
export function canActForTeam(p: Principal, teamId: string): boolean {
  if (p.actor.type === "token") return teamId in p.teams;
  if (p.role === "viewer") return false;
  return isTenantAdmin(p) || teamId in p.teams;
}

export function requireTeamWrite(p: Principal, teamId: string, scope: TokenScope): void {
  requireScope(p, scope);
  if (!canActForTeam(p, teamId)) throw new ApiError("forbidden", "you are not a member of the team that owns this");
}

export function requireTeamMaintainer(p: Principal, teamId: string): void {
  if (p.actor.type === "user" && (isTenantAdmin(p) || p.teams[teamId] === "maintainer")) return;
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

/** Writes to a team's secrets: a signed-in member of the team (not a viewer) or a tenant admin. */
export function requireTeamSecretsWrite(p: Principal, teamId: string): void {
  requireSignedInUser(p, "changing connections");
  if (!canActForTeam(p, teamId)) throw new ApiError("forbidden", "only members of the owning team and tenant admins can change its connections");
}
