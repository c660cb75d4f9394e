import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";

/** One run_results entry: status, timing, rows, bytes billed and the warehouse query/job id (the join key for cost). */
export const dbtNodeResults = sqliteTable(
  "dbt_node_results",
  {
    tenantId: tenantId(),
    uploadId: text("upload_id").notNull(),
    uniqueId: text("unique_id").notNull(),
    projectId: text("project_id").notNull(),
    status: text("status").notNull(),
    executionSeconds: real("execution_seconds"),
    startedAt: ms("started_at"),
    completedAt: ms("completed_at"),
    rowsAffected: integer("rows_affected"),
    bytesProcessed: integer("bytes_processed"),
    bytesBilled: integer("bytes_billed"),
    slotMs: integer("slot_ms"),
    /** Snowflake query_id, or BigQuery job_id (with project_id/location in adapter_response). */
    queryId: text("query_id"),
    failures: integer("failures"),
    message: text("message"),
    threadId: text("thread_id"),
    adapterResponse: json<Record<string, unknown>>("adapter_response").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.uploadId, t.uniqueId] }), index("dbt_node_results_node").on(t.tenantId, t.projectId, t.uniqueId, t.completedAt)],
);
