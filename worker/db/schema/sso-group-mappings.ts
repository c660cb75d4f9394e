import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, tenantId } from "./columns";
import { teamRoles, tenantRoles } from "./enums";

/**
 * A value of the provider's groups claim and what it gives at each SSO sign-in: membership of a team (with a team
 * role) and/or a tenant role. The highest tenant role among a person's mapped groups wins over the default role.
 */
export const ssoGroupMappings = sqliteTable(
  "sso_group_mappings",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    groupName: text("group_name").notNull(),
    teamId: text("team_id"),
    teamRole: text("team_role", { enum: teamRoles }).notNull().default("member"),
    tenantRole: text("tenant_role", { enum: tenantRoles }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);
