import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, tenantId } from "./columns";
import { teamRoles } from "./enums";

export const teamMembers = sqliteTable(
  "team_members",
  {
    tenantId: tenantId(),
    teamId: text("team_id").notNull(),
    userId: text("user_id").notNull(),
    role: text("role", { enum: teamRoles }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.teamId, t.userId] }), index("team_members_user").on(t.tenantId, t.userId)],
);
