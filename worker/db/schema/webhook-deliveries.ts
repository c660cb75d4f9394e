import { index, primaryKey, sqliteTable, text, integer, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

/**
 * Every verified webhook delivery from a tool, matched or not. The unique key on the tool's delivery id
 * is the replay defence: a redelivery (or five concurrent copies) only counts itself in `copies`, and the run
 * engine applies a delivery id once. Rows are kept, which keeps the dedupe window open well past 7 days.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    teamId: text("team_id").notNull(),
    connector: text("connector").notNull(),
    connectionId: text("connection_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The tool's run id the event is about (dbt run, Fivetran connection, GitHub workflow run …). */
    externalId: text("external_id"),
    receivedAt: ms("received_at").notNull(),
    /** The task run the event was applied to on arrival (null: it concerns no run, or none had its external id yet). */
    matchedRunId: text("matched_run_id"),
    matchedTaskKey: text("matched_task_key"),
    payload: text("payload").notNull(),
    payloadBytes: integer("payload_bytes").notNull(),
    /** How many times the tool sent this delivery (its retries, concurrent copies); only the first is applied. */
    copies: integer("copies").notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("webhook_deliveries_delivery").on(t.tenantId, t.connector, t.connectionId, t.deliveryId),
    index("webhook_deliveries_received").on(t.tenantId, t.receivedAt),
    index("webhook_deliveries_connector").on(t.tenantId, t.connector, t.receivedAt),
  ],
);
