import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";

/**
 * Daily rollup of cost_allocations, rebuilt for every day a write touches: the scorecard and the cost
 * explorer read only this (a few hundred rows per day), never the ledger itself.
 */
export const costDaily = sqliteTable(
  "cost_daily",
  {
    tenantId: tenantId(),
    day: text("day").notNull(),
    productId: text("product_id").notNull(),
    teamId: text("team_id").notNull(),
    pipelineId: text("pipeline_id").notNull(),
    source: text("source").notNull(),
    currency: text("currency").notNull(),
    amountMicros: integer("amount_micros").notNull(),
    records: integer("records").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.day, t.productId, t.teamId, t.pipelineId, t.source, t.currency] }),
    index("cost_daily_product").on(t.tenantId, t.productId, t.day),
    index("cost_daily_team").on(t.tenantId, t.teamId, t.day),
  ],
);
