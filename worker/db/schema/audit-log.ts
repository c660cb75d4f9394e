import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";
import { actorTypes } from "./enums";

export const auditLog = sqliteTable(
  "audit_log",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    at: ms("at").notNull(),
    actorType: text("actor_type", { enum: actorTypes }).notNull(),
    actorId: text("actor_id").notNull(),
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id").notNull(),
    teamId: text("team_id"),
    ip: text("ip"),
    requestId: text("request_id"),
    details: json<Record<string, unknown>>("details").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("audit_log_at").on(t.tenantId, t.at),
    index("audit_log_action").on(t.tenantId, t.action, t.at),
    index("audit_log_target").on(t.tenantId, t.targetId),
  ],
);
