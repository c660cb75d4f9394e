import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";
import { lineageEventKinds } from "./enums";

/**
 * Raw OpenLineage events as received, viewable per run. `dedupe_key` (run id, event type, event time, body hash)
 * drops client retries. Bodies up to the D1 value limit are kept as text; larger ones gzip-compressed in `body_gzip`.
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
  ],
);
