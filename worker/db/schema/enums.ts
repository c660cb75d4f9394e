export const tenantRoles = ["owner", "admin", "member", "viewer"] as const;
export type TenantRole = (typeof tenantRoles)[number];

export const teamRoles = ["maintainer", "member"] as const;
export type TeamRole = (typeof teamRoles)[number];

export const tokenScopes = ["read", "pipelines:write", "runs:write", "lineage:write", "metadata:write"] as const;
export type TokenScope = (typeof tokenScopes)[number];

export const actorTypes = ["user", "token", "system"] as const;
export type ActorType = (typeof actorTypes)[number];
