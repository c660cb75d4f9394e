import { primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";
import { tenantRoles } from "./enums";

export const invitations = sqliteTable(
  "invitations",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    email: text("email").notNull(),
    role: text("role", { enum: tenantRoles }).notNull(),
    teamId: text("team_id"),
    tokenHash: text("token_hash").notNull(),
    expiresAt: ms("expires_at").notNull(),
    acceptedAt: ms("accepted_at"),
    revokedAt: ms("revoked_at"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("invitations_token").on(t.tokenHash)],
);
