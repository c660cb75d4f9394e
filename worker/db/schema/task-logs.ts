import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

/**
 * The tool's own log of one task attempt (dbt Cloud step logs, a GitHub job log, …), kept in R2 under `blob_key`, or in
 * `content` when it is short (TASK_LOG_INLINE_MAX_BYTES, worker/logs/capture.ts: no R2 object is written then).
 * Offsets count bytes of the log as the tool wrote it (after redaction); when it outgrew the cap only its tail is
 * stored, and `dropped_bytes` says how much of the head is gone. `bytes` is what R2 holds (counted in storage usage).
 */
export const taskLogs = sqliteTable(
  "task_logs",
  {
    tenantId: tenantId(),
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    attempt: integer("attempt").notNull(),
    /** The tool that wrote it (the connector kind). */
    source: text("source").notNull(),
    blobKey: text("blob_key").notNull(),
    /** The log itself when it is short; null when R2 holds it under `blob_key`. */
    content: text("content"),
    bytes: integer("bytes").notNull(),
    droppedBytes: integer("dropped_bytes").notNull().default(0),
    /** The attempt had ended when this was fetched: nothing is added later. */
    complete: integer("complete", { mode: "boolean" }).notNull().default(false),
    fetchedAt: ms("fetched_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.runId, t.taskKey, t.attempt] }),
    // Retention picks the oldest first.
    index("task_logs_fetched").on(t.tenantId, t.fetchedAt),
  ],
);
