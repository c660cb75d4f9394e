import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

/**
 * Notify-queue signals already applied to alerts, written in the same batch as their effect. A redelivered signal
 * changes nothing; it only re-sends the deliveries of the alert it touched that are still pending.
 */
export const alertSignals = sqliteTable(
  "alert_signals",
  {
    tenantId: tenantId(),
    key: text("key").notNull(),
    alertId: text("alert_id"),
    at: ms("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);
