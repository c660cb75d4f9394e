import { z } from "@hono/zod-openapi";
import type { SsoConfig, SsoGroupMapping } from "../../db/repo/sso/config";
import { teamRoles, tenantRoles } from "../../db/schema/enums";
import { ApiError } from "../../lib/errors";
import type { Principal } from "../../lib/principal";
import { isoOrNull, timestamp } from "../shared";

/** Single sign-on and SCIM are set up by the workspace's owners, signed in; admins may read the settings. */
export function requireOwnerSession(p: Principal): void {
  if (p.actor.type !== "user" || p.role !== "owner") throw new ApiError("forbidden", "only workspace owners can change single sign-on");
}

export const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a domain name such as example.com")
  .openapi({ example: "example.com" });

/** SSO may give any role but owner: owners are made by owners. */
const mappedTenantRoles = tenantRoles.filter((r) => r !== "owner") as ["admin", "member", "viewer"];

export const GroupMapping = z
  .strictObject({
    group: z.string().trim().min(1).max(256).openapi({ description: "A value of the groups claim (Entra sends group object ids)" }),
    team_id: z.string().max(64).nullable().optional().openapi({ description: "Team the group's members join" }),
    team_role: z.enum(teamRoles).optional().openapi({ description: "Role in that team (default member)" }),
    tenant_role: z.enum(mappedTenantRoles).nullable().optional().openapi({ description: "Workspace role the group gives (never owner)" }),
  })
  .openapi("SsoGroupMappingInput");

export const GroupMappingOut = z
  .object({
    id: z.string(),
    group: z.string(),
    team_id: z.string().nullable(),
    team_role: z.enum(teamRoles),
    tenant_role: z.enum(tenantRoles).nullable(),
  })
  .openapi("SsoGroupMapping");

export const SsoSettingsOut = z
  .object({
    issuer: z.string().nullable(),
    client_id: z.string().nullable(),
    client_secret_set: z.boolean().openapi({ description: "The secret itself is never returned" }),
    default_role: z.enum(tenantRoles),
    groups_claim: z.string(),
    enforced: z.boolean().openapi({ description: "Password sign-in off for everyone but owners (break-glass, audited)" }),
    redirect_uri: z.string().openapi({ description: "Register this as the redirect (sign-in) URI at the provider" }),
    sign_in_url: z.string().openapi({ description: "Start a sign-in to this workspace (e.g. the provider's app tile)" }),
    domains: z.array(z.object({ domain: z.string(), verified_by: z.string(), created_at: timestamp })),
    group_mappings: z.array(GroupMappingOut),
    scim: z.object({
      base_url: z.string(),
      token_prefix: z.string().nullable(),
      token_created_at: timestamp.nullable(),
    }),
  })
  .openapi("SsoSettings");

export const mappingOut = (m: SsoGroupMapping) => ({ id: m.id, group: m.groupName, team_id: m.teamId, team_role: m.teamRole, tenant_role: m.tenantRole });

export function settingsOut(
  config: SsoConfig | null,
  domains: Array<{ domain: string; verifiedBy: string; createdAt: number }>,
  mappings: SsoGroupMapping[],
  origin: string,
  slug: string,
) {
  return {
    issuer: config?.issuer ?? null,
    client_id: config?.clientId ?? null,
    client_secret_set: config?.clientSecret != null,
    default_role: config?.defaultRole ?? "member",
    groups_claim: config?.groupsClaim ?? "groups",
    enforced: config?.enforced ?? false,
    redirect_uri: `${origin}/api/v1/auth/sso/callback`,
    sign_in_url: `${origin}/api/v1/auth/sso/start?tenant=${encodeURIComponent(slug)}`,
    domains: domains.map((d) => ({ domain: d.domain, verified_by: d.verifiedBy, created_at: new Date(d.createdAt).toISOString() })),
    group_mappings: mappings.map(mappingOut),
    scim: {
      base_url: `${origin}/scim/v2`,
      token_prefix: config?.scimTokenPrefix ?? null,
      token_created_at: isoOrNull(config?.scimTokenCreatedAt),
    },
  };
}
