import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { alertSeverities, type AlertKind } from "../../alerting/kinds";
import type { QuietHours } from "../../alerting/quiet-hours";
import { createdAt, json, ms, tenantId } from "./columns";

/**
 * A team's routing rule: which alerts (kinds, minimum severity, pipelines, products, tags) go to which of its
 * channels, whether to hold non-critical ones during quiet hours, and when to re-notify if nobody acknowledges.
 * Empty filter lists match everything.
 */
export const alertRules = sqliteTable(
  "alert_rules",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    teamId: text("team_id").notNull(),
    name: text("name").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    kinds: json<AlertKind[]>("kinds").notNull(),
    minSeverity: text("min_severity", { enum: alertSeverities }).notNull(),
    pipelines: json<string[]>("pipelines").notNull(),
    products: json<string[]>("products").notNull(),
    tags: json<string[]>("tags").notNull(),
    channelIds: json<string[]>("channel_ids").notNull(),
    quietHours: json<QuietHours>("quiet_hours"),
    /** Re-notify when still unacknowledged this long after opening (and again after each interval, up to a limit). */
    escalateAfterMs: ms("escalate_after_ms"),
    /** Channels for re-notifications; empty means the rule's own channels. */
    escalateChannelIds: json<string[]>("escalate_channel_ids").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("alert_rules_team_name").on(t.tenantId, t.teamId, t.name)],
);
