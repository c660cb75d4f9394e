import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms, tenantId } from "./columns";

/** What a cost record says it belongs to, as sent or as derived from a tool's facts. */
export interface CostAttributionInput {
  runId?: string | null;
  taskKey?: string | null;
  pipeline?: string | null;
  teamId?: string | null;
  /** Explicit split: overrides everything lineage would infer. */
  products?: Array<{ name: string; weight: number }>;
  datasetIds?: string[];
  /** Warehouse query id (Snowflake query_id, BigQuery job_id): matched to dbt run_results nodes. */
  queryId?: string | null;
  queryTag?: string | null;
  warehouse?: string | null;
  /** Split like the attributed queries of this warehouse in the record's time window (idle warehouse time). */
  splitByWarehouse?: string | null;
}

/**
 * The cost ledger: one row per (source, external_ref), so a record sent twice (a retried batch, a re-collected
 * run) counts once; a later copy with other figures replaces the earlier one (a corrected bill).
 * `amount_micros` is in millionths of `currency` (exact sums). `day` is the UTC day the cost was incurred.
 */
export const costRecords = sqliteTable(
  "cost_records",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    source: text("source").notNull(),
    externalRef: text("external_ref").notNull(),
    amountMicros: integer("amount_micros").notNull(),
    currency: text("currency").notNull(),
    /** Usage behind the amount (credits, DBUs, bytes…), when the source reports one. */
    quantity: real("quantity"),
    unit: text("unit"),
    startedAt: ms("started_at").notNull(),
    endedAt: ms("ended_at"),
    day: text("day").notNull(),
    description: text("description"),
    attribution: json<CostAttributionInput>("attribution").notNull(),
    /** Resolved links (null when the record names none and none could be derived). */
    teamId: text("team_id"),
    pipelineId: text("pipeline_id"),
    runId: text("run_id"),
    taskKey: text("task_key"),
    /** How the product split was decided: explicit, datasets, pipeline, none. */
    attributedBy: text("attributed_by").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("cost_records_ref").on(t.tenantId, t.source, t.externalRef),
    index("cost_records_started").on(t.tenantId, t.startedAt),
    index("cost_records_run").on(t.tenantId, t.runId),
  ],
);
