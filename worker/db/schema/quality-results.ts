import { index, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";
import { qualitySources, qualityStatuses } from "./enums";

/** Quality check outcomes per dataset over time: dbt tests, OpenLineage dataQualityAssertions, and POST /quality. */
export const qualityResults = sqliteTable(
  "quality_results",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    datasetId: text("dataset_id").notNull(),
    source: text("source", { enum: qualitySources }).notNull(),
    checkName: text("check_name").notNull(),
    columnName: text("column_name"),
    status: text("status", { enum: qualityStatuses }).notNull(),
    observedAt: ms("observed_at").notNull(),
    runId: text("run_id"),
    details: json<Record<string, unknown>>("details").notNull(),
    /** Same check, same run, same dataset → one row, however often the result is reported. */
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: ms("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("quality_results_dedupe").on(t.tenantId, t.dedupeKey),
    index("quality_results_dataset").on(t.tenantId, t.datasetId, t.observedAt),
  ],
);
