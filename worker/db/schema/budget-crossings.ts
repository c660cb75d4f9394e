import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

/**
 * A budget threshold (80 or 100 %) crossed in a month. The primary key is the exactly-once guard: a crossing
 * is recorded once per (budget, period, threshold) however often spend is re-evaluated. Sending is leased:
 * an evaluator claims an unsent row (`claimed_at`), sends its `budget.threshold_crossed` event to the notify
 * queue and sets `sent_at`; a claim older than the lease (a crash mid-send) may be taken again.
 */
export const budgetCrossings = sqliteTable(
  "budget_crossings",
  {
    tenantId: tenantId(),
    budgetId: text("budget_id").notNull(),
    period: text("period").notNull(),
    threshold: integer("threshold").notNull(),
    amountMicros: integer("amount_micros").notNull(),
    limitMicros: integer("limit_micros").notNull(),
    currency: text("currency").notNull(),
    crossedAt: ms("crossed_at").notNull(),
    claimedAt: ms("claimed_at"),
    sentAt: ms("sent_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.budgetId, t.period, t.threshold] }), index("budget_crossings_unsent").on(t.tenantId, t.sentAt)],
);
