import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";

/** The explorer's dimensions; cost_daily_totals keeps one series per dimension. */
export const costDimensions = ["team", "product", "pipeline", "source"] as const;
export type CostDimension = (typeof costDimensions)[number];

/**
 * cost_daily summed per single dimension: one row per (dimension, key, day). The scorecard (every product's
 * month), budgets (one team's or product's month) and unfiltered explorer views read these few rows instead of
 * cost_daily's every combination of team, product, pipeline and source. Rebuilt with cost_daily, in the same batch.
 */
export const costDailyTotals = sqliteTable(
  "cost_daily_totals",
  {
    tenantId: tenantId(),
    dimension: text("dimension", { enum: costDimensions }).notNull(),
    day: text("day").notNull(),
    key: text("key").notNull(),
    currency: text("currency").notNull(),
    amountMicros: integer("amount_micros").notNull(),
    records: integer("records").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.dimension, t.day, t.key, t.currency] }),
    index("cost_daily_totals_key").on(t.tenantId, t.dimension, t.key, t.day),
  ],
);
