/** Shapes of the API's JSON, as documented at /api/v1/openapi.json. */
import type { TeamRole, TenantRole, TokenScope } from "../../../worker/db/schema/enums";

// The same `as const` tuples the database columns and API schemas use, so the UI cannot drift from them.
export { teamRoles, tenantRoles, tokenScopes } from "../../../worker/db/schema/enums";
export type { TeamRole, TenantRole, TokenScope };

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface TenantMembership {
  id: string;
  slug: string;
  name: string;
  role: TenantRole;
}

/** Body of sign-up, login and invitation acceptance. */
export interface SessionInfo {
  user: User;
  tenant: TenantMembership;
  csrf_token: string;
  expires_at: string;
}

export interface Me {
  actor: { type: "user" | "token"; id: string; label: string };
  user: User;
  tenant: { id: string; slug: string; name: string };
  role: TenantRole;
  teams: { id: string; slug: string; name: string; role: TeamRole | null }[];
  scopes: TokenScope[];
  csrf_token: string | null;
}

export interface Team {
  id: string;
  slug: string;
  name: string;
  description: string;
  member_count: number;
  /** The caller's role in the team; null when not a member. */
  my_role: TeamRole | null;
  created_at: string;
}

export interface TeamMember {
  user_id: string;
  email: string;
  name: string;
  role: TeamRole;
}

export interface TenantMember {
  user_id: string;
  email: string;
  name: string;
  role: TenantRole;
  teams: { id: string; name: string; role: TeamRole }[];
}

export type InvitationStatus = "pending" | "accepted" | "expired" | "revoked";

export interface Invitation {
  id: string;
  email: string;
  role: TenantRole;
  team_id: string | null;
  status: InvitationStatus;
  expires_at: string;
  created_at: string;
  created_by: string;
}

export interface InvitationCreated {
  invitation: Invitation;
  url: string;
  token: string;
}

export interface InvitationLookup {
  email: string;
  role: TenantRole;
  tenant: { name: string; slug: string };
  expires_at: string;
  /** The invited e-mail already has an account: accepting asks for its password, not a new one. */
  existing_user: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  team_id: string;
  prefix: string;
  scopes: TokenScope[];
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
  created_by: string;
}

export interface TokenCreated {
  token: string;
  api_token: ApiToken;
}

export interface ConnectionKind {
  kind: string;
  title: string;
  config_schema: unknown;
  secret_fields: string[];
  optional_secret_fields: string[];
}

export interface Connection {
  id: string;
  team_id: string;
  name: string;
  kind: string;
  description: string;
  config: Record<string, unknown>;
  secret_fields: { name: string; set: boolean }[];
  created_at: string;
  updated_at: string;
  rotated_at: string | null;
  last_used_at: string | null;
  created_by: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: "user" | "token" | "system"; id: string; label: string };
  action: string;
  target: { type: string; id: string };
  team_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}
