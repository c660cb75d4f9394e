import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms, tenantId } from "./columns";
import { actorTypes, dbtUploadSources } from "./enums";

/**
 * One upload of dbt artifacts (manifest and/or run_results) for a project + environment. The bytes live in R2 (gzip,
 * content-addressed per tenant: worker/blobs/store.ts) under the `*_blob_key` columns.
 */
export const dbtUploads = sqliteTable(
  "dbt_uploads",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    projectId: text("project_id").notNull(),
    source: text("source", { enum: dbtUploadSources }).notNull(),
    /** Tutti run id + task key, or the dbt Cloud run id, that produced the artifacts. */
    sourceRef: json<Record<string, string>>("source_ref").notNull(),
    /** SHA-256 of the manifest and run_results bytes: a CI retry re-uploading the same files is a no-op. */
    dedupeKey: text("dedupe_key").notNull(),
    dbtVersion: text("dbt_version"),
    manifestSchemaVersion: integer("manifest_schema_version"),
    runResultsSchemaVersion: integer("run_results_schema_version"),
    manifestInvocationId: text("manifest_invocation_id"),
    runResultsInvocationId: text("run_results_invocation_id"),
    command: text("command"),
    generatedAt: ms("generated_at"),
    elapsedSeconds: real("elapsed_seconds"),
    manifestBytes: integer("manifest_bytes"),
    manifestSha256: text("manifest_sha256"),
    runResultsBytes: integer("run_results_bytes"),
    runResultsSha256: text("run_results_sha256"),
    /** R2 keys of the gzip-compressed artifacts (`t/<tenant>/dbt-manifest/<sha256>`); shared by uploads of the same file. */
    manifestBlobKey: text("manifest_blob_key"),
    runResultsBlobKey: text("run_results_blob_key"),
    nodeCount: integer("node_count").notNull().default(0),
    edgeCount: integer("edge_count").notNull().default(0),
    /** status → count over run_results. */
    resultCounts: json<Record<string, number>>("result_counts").notNull(),
    jobRunId: text("job_run_id"),
    uploadedByType: text("uploaded_by_type", { enum: actorTypes }).notNull(),
    uploadedById: text("uploaded_by_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("dbt_uploads_dedupe").on(t.tenantId, t.projectId, t.dedupeKey),
    index("dbt_uploads_project").on(t.tenantId, t.projectId, t.createdAt),
  ],
);
