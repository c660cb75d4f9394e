import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";

/**
 * A cost record's split across products: one row per (record, product), amounts summing exactly to the
 * record's. product_id '' is the share no product claims; team_id is the product's owner team (else the
 * record's team, else ''). Empty strings rather than NULL keep these columns usable in primary keys.
 */
export const costAllocations = sqliteTable(
  "cost_allocations",
  {
    tenantId: tenantId(),
    costId: text("cost_id").notNull(),
    productId: text("product_id").notNull(),
    teamId: text("team_id").notNull(),
    pipelineId: text("pipeline_id").notNull(),
    source: text("source").notNull(),
    day: text("day").notNull(),
    currency: text("currency").notNull(),
    amountMicros: integer("amount_micros").notNull(),
    share: real("share").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.costId, t.productId] }), index("cost_allocations_day").on(t.tenantId, t.day)],
);
