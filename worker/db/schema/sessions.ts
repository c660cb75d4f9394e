import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";
import { sessionAuthMethods } from "./enums";

/**
 * The cookie carries a random id; only its SHA-256 is stored. A session ends at `expires_at` (absolute lifetime)
 * or after the idle timeout since `last_seen_at` (null on sessions older than the column: their `created_at` counts).
 */
export const sessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    tenantId: tenantId(),
    userId: text("user_id").notNull(),
    csrfToken: text("csrf_token").notNull(),
    expiresAt: ms("expires_at").notNull(),
    lastSeenAt: ms("last_seen_at"),
    ip: text("ip"),
    /** How the person signed in: a password (also the owners' break-glass under enforced SSO) or the tenant's provider. */
    authMethod: text("auth_method", { enum: sessionAuthMethods }).notNull().default("password"),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_user").on(t.tenantId, t.userId)],
);
