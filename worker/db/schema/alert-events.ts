import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { alertEventTypes } from "../../alerting/kinds";
import { actorTypes } from "./enums";
import { json, ms, tenantId } from "./columns";

/** An alert's timeline: opened, repeated, acknowledged, assigned, notes, notifications, escalations, resolution. */
export const alertEvents = sqliteTable(
  "alert_events",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    alertId: text("alert_id").notNull(),
    at: ms("at").notNull(),
    type: text("type", { enum: alertEventTypes }).notNull(),
    actorType: text("actor_type", { enum: actorTypes }).notNull(),
    actorId: text("actor_id").notNull(),
    actorLabel: text("actor_label").notNull(),
    message: text("message").notNull(),
    details: json<Record<string, unknown>>("details").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("alert_events_alert").on(t.tenantId, t.alertId, t.at)],
);
