import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";
import { jobRunRoles } from "./enums";

/** What a run read and wrote, with the run's own input/output facets and statistics (rows, bytes). */
export const jobRunDatasets = sqliteTable(
  "job_run_datasets",
  {
    tenantId: tenantId(),
    runId: text("run_id").notNull(),
    datasetId: text("dataset_id").notNull(),
    role: text("role", { enum: jobRunRoles }).notNull(),
    rowCount: integer("row_count"),
    bytes: integer("bytes"),
    fileCount: integer("file_count"),
    /** inputFacets / outputFacets as sent, or dbt adapter details (bytes billed, query id). JSON text. */
    facets: text("facets"),
    at: ms("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.runId, t.datasetId, t.role] }), index("job_run_datasets_dataset").on(t.tenantId, t.datasetId, t.at)],
);
