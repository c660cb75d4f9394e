import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";
import { lineageEventKinds } from "./enums";

/**
 * Raw OpenLineage events as received, viewable per run. `dedupe_key` (run id, event type, event time, body hash)
 * drops client retries. The body lives in R2 (worker/blobs/raw-bodies.ts) under `body_blob_key`; `body` and
 * `body_gzip` hold only bodies from before R2 (text, or gzip above the D1 value limit) until `npm run blobs:migrate`
 * moves them.
 */
export const lineageEvents = sqliteTable(
  "lineage_events",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    kind: text("kind", { enum: lineageEventKinds }).notNull(),
    eventType: text("event_type"),
    eventTime: ms("event_time").notNull(),
    runId: text("run_id"),
    jobId: text("job_id"),
    datasetId: text("dataset_id"),
    producer: text("producer").notNull(),
    schemaUrl: text("schema_url"),
    sizeBytes: integer("size_bytes").notNull(),
    body: text("body"),
    bodyGzip: blob("body_gzip", { mode: "buffer" }),
    /** SHA-256 of the body as received, and its R2 key (`t/<tenant>/lineage-event/<sha256>`). */
    bodySha256: text("body_sha256"),
    bodyBlobKey: text("body_blob_key"),
    /** Where the body starts inside the object: the events of one request share one object (putRawBodyPack); null: the whole object. */
    bodyOffset: integer("body_offset"),
    receivedAt: ms("received_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("lineage_events_dedupe").on(t.tenantId, t.dedupeKey),
    index("lineage_events_run").on(t.tenantId, t.runId, t.eventTime),
    index("lineage_events_job").on(t.tenantId, t.jobId, t.eventTime),
    index("lineage_events_dataset").on(t.tenantId, t.datasetId, t.eventTime),
    // Retention removes the oldest first (worker/db/repo/platform/retention-sweep.ts).
    index("lineage_events_received").on(t.tenantId, t.receivedAt),
    // Retention deletes a body's blob only once no event names its key.
    index("lineage_events_blob").on(t.tenantId, t.bodyBlobKey),
  ],
);
