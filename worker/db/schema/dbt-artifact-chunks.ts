import { blob, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";
import { dbtArtifactKinds } from "./enums";

/**
 * Artifact bytes, gzip-compressed and cut into pieces below D1's 2 MB value limit (DBT_CHUNK_BYTES).
 * Manifests run to 100+ MB raw (≈10 MB gzipped), so one upload is a handful of rows; R2 is not configured.
 */
export const dbtArtifactChunks = sqliteTable(
  "dbt_artifact_chunks",
  {
    tenantId: tenantId(),
    uploadId: text("upload_id").notNull(),
    kind: text("kind", { enum: dbtArtifactKinds }).notNull(),
    seq: integer("seq").notNull(),
    data: blob("data", { mode: "buffer" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.uploadId, t.kind, t.seq] })],
);
