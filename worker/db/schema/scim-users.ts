import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/**
 * A person as the tenant's identity provider provisions them over SCIM. `user_name` is stored lowercased (SCIM
 * userName is not case-exact); `version` is the ETag, raised by every change. An inactive person keeps this row but
 * is no member of the tenant.
 */
export const scimUsers = sqliteTable(
  "scim_users",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    userName: text("user_name").notNull(),
    externalId: text("external_id"),
    displayName: text("display_name"),
    givenName: text("given_name"),
    familyName: text("family_name"),
    active: integer("active", { mode: "boolean" }).notNull(),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("scim_users_user_name").on(t.tenantId, t.userName),
    uniqueIndex("scim_users_user").on(t.tenantId, t.userId),
  ],
);
