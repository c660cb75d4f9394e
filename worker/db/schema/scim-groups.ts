import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/** A SCIM group: one team of the tenant (found by name or created). `version` is the ETag. */
export const scimGroups = sqliteTable(
  "scim_groups",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    displayName: text("display_name").notNull(),
    externalId: text("external_id"),
    teamId: text("team_id").notNull(),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("scim_groups_team").on(t.tenantId, t.teamId)],
);

/** Members of a SCIM group as the provider sent them; an active member is also a member of the group's team. */
export const scimGroupMembers = sqliteTable(
  "scim_group_members",
  {
    tenantId: tenantId(),
    groupId: text("group_id").notNull(),
    scimUserId: text("scim_user_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.groupId, t.scimUserId] })],
);
