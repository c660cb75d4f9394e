import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";
import { ms, tenantId } from "./columns";
import { unusedActions } from "./enums";

/**
 * What a product's unused policy did to a pipeline: one row per action (slowed or paused), with the schedule it
 * replaced so undo restores it exactly, and the cost per run measured before the action, the basis of the savings
 * estimate. At most one action per pipeline is in effect (undone_at null) at a time.
 */
export const unusedPipelineActions = sqliteTable(
  "unused_pipeline_actions",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    productId: text("product_id").notNull(),
    pipelineId: text("pipeline_id").notNull(),
    pipelineName: text("pipeline_name").notNull(),
    action: text("action", { enum: unusedActions }).notNull(),
    /** The schedule in effect before: the spec's cron (or an earlier override) and its time zone. */
    previousCron: text("previous_cron").notNull(),
    timezone: text("timezone").notNull(),
    /** The slowed cron; null for a pause. */
    newCron: text("new_cron"),
    actedAt: ms("acted_at").notNull(),
    /** Measured cost per run over the 30 days before the action, in micro-units of `currency`; null: unknown. */
    costPerRunMicros: integer("cost_per_run_micros"),
    /** How many runs with cost that measure rests on. */
    costRuns: integer("cost_runs").notNull(),
    currency: text("currency").notNull(),
    /** When the owners were told the product is used again (once). */
    useReturnedAt: ms("use_returned_at"),
    undoneAt: ms("undone_at"),
    undoneBy: text("undone_by"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("unused_pipeline_actions_product").on(t.tenantId, t.productId, t.actedAt),
    // One action in effect per pipeline: a repeated daily pass (or two products sharing one) cannot act twice.
    uniqueIndex("unused_pipeline_actions_active").on(t.tenantId, t.pipelineId).where(sql`undone_at IS NULL`),
  ],
);
