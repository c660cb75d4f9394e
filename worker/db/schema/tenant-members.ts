import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, tenantId } from "./columns";
import { tenantRoles } from "./enums";

export const tenantMembers = sqliteTable(
  "tenant_members",
  {
    tenantId: tenantId(),
    userId: text("user_id").notNull(),
    role: text("role", { enum: tenantRoles }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index("tenant_members_user").on(t.userId)],
);
