import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { channelKinds } from "../../alerting/kinds";
import { createdAt, json, ms, tenantId } from "./columns";

/**
 * Where a team's alerts go. Slack and webhook channels point at a connection of the same team, which holds the
 * secret (webhook URL, signing secret); e-mail channels list their recipients. Pipelines name channels in
 * `alerts.to: [channel:<name>]`, so names are unique per team.
 */
export const alertChannels = sqliteTable(
  "alert_channels",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    teamId: text("team_id").notNull(),
    name: text("name").notNull(),
    kind: text("kind", { enum: channelKinds }).notNull(),
    connectionId: text("connection_id"),
    /** E-mail recipients; empty for other kinds. */
    recipients: json<string[]>("recipients").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** Why Tutti disabled it (Slack said the channel is gone), shown until someone re-enables it. */
    disabledReason: text("disabled_reason"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("alert_channels_team_name").on(t.tenantId, t.teamId, t.name),
    index("alert_channels_connection").on(t.tenantId, t.connectionId),
  ],
);
