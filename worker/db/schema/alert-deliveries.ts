import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { deliveryStatuses } from "../../alerting/kinds";
import type { DeliverySnapshot } from "../../alerting/snapshot";
import { createdAt, json, ms, tenantId } from "./columns";

/**
 * One notification of one alert transition ("opened", "escalated:1", "resolved") to one channel. The id is derived
 * from (alert, transition, channel), so the same transition can never create a second delivery; it is also the
 * Standard Webhooks `webhook-id`, the same on every retry. `message` is what the alert looked like at the transition,
 * so retries and redeliveries send the same content.
 */
export const alertDeliveries = sqliteTable(
  "alert_deliveries",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    alertId: text("alert_id").notNull(),
    channelId: text("channel_id").notNull(),
    teamId: text("team_id").notNull(),
    transition: text("transition").notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Quiet hours: not sent before this time. */
    notBefore: ms("not_before"),
    /** A claimed delivery belongs to its consumer until then; a crashed consumer's claim expires. */
    leaseUntil: ms("lease_until"),
    nextAttemptAt: ms("next_attempt_at"),
    lastError: text("last_error"),
    lastStatusCode: integer("last_status_code"),
    sentAt: ms("sent_at"),
    message: json<DeliverySnapshot>("message").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("alert_deliveries_alert").on(t.tenantId, t.alertId, t.createdAt),
    index("alert_deliveries_status").on(t.tenantId, t.status),
  ],
);
