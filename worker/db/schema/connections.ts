import { primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Envelope } from "../../lib/envelope";
import { createdAt, json, ms, tenantId } from "./columns";

export const connections = sqliteTable(
  "connections",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    teamId: text("team_id").notNull(),
    name: text("name").notNull(),
    kind: text("kind").notNull(),
    description: text("description").notNull().default(""),
    /** Non-secret settings such as base_url or account id; returned by the API. */
    config: json<Record<string, unknown>>("config").notNull(),
    /** Secret field name → sealed envelope; never returned. */
    secrets: json<Record<string, Envelope>>("secrets").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
    rotatedAt: ms("rotated_at"),
    lastUsedAt: ms("last_used_at"),
    archivedAt: ms("archived_at"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("connections_team_name").on(t.tenantId, t.teamId, t.name),
    // Webhook receivers know only the connection id (from their URL) until they have found its tenant.
    uniqueIndex("connections_id").on(t.id),
  ],
);
