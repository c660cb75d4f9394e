import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";
import { usageKinds } from "./enums";

/** Daily usage per product, kind and consumer ('' when the event named none), rebuilt for the days a batch touches. */
export const usageDaily = sqliteTable(
  "usage_daily",
  {
    tenantId: tenantId(),
    productId: text("product_id").notNull(),
    day: text("day").notNull(),
    kind: text("kind", { enum: usageKinds }).notNull(),
    consumer: text("consumer").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.productId, t.day, t.kind, t.consumer] })],
);
