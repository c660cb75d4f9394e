import { blob, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";
import { dbtArtifactKinds } from "./enums";

/**
 * Legacy: artifact bytes of uploads from before R2, gzip-compressed and cut into pieces below D1's 2 MB value limit.
 * Nothing new is written here; `npm run blobs:migrate` (worker/blobs/copy-dbt-chunks.ts) copies each artifact to R2
 * and deletes its rows. A later migration drops the table (docs/deployment.md).
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
