import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";
import { usageKinds } from "./enums";

/**
 * Usage events as received, one row per (event, product): an event about a dataset counts for every product
 * the dataset belongs to. The event id (sent by the client, or generated) makes a re-sent batch count once.
 */
export const usageEvents = sqliteTable(
  "usage_events",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    productId: text("product_id").notNull(),
    datasetId: text("dataset_id"),
    consumer: text("consumer").notNull(),
    kind: text("kind", { enum: usageKinds }).notNull(),
    count: integer("count").notNull(),
    at: ms("at").notNull(),
    day: text("day").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id, t.productId] }), index("usage_events_day").on(t.tenantId, t.productId, t.day)],
);
