import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { retryKinds } from "../../engine/retry-kinds";
import { json, ms, tenantId } from "./columns";

/** One row per attempt of a task, for the Gantt chart and attempt history. */
export const taskAttempts = sqliteTable(
  "task_attempts",
  {
    tenantId: tenantId(),
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    attempt: integer("attempt").notNull(),
    status: text("status").notNull(),
    externalId: text("external_id"),
    externalUrl: text("external_url"),
    error: json<{ kind: string; message: string } | null>("error"),
    outputs: json<Record<string, unknown> | null>("outputs"),
    /** How an attempt after the first started: `retrigger`, or the tool's own partial rerun (engine/retry-kind.ts). */
    retryKind: text("retry_kind", { enum: retryKinds }),
    queuedAt: ms("queued_at"),
    startedAt: ms("started_at"),
    finishedAt: ms("finished_at"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.runId, t.taskKey, t.attempt] }),
    // Cost collectors find the task attempt that started a tool's run (Databricks usage_metadata.job_run_id).
    index("task_attempts_external").on(t.tenantId, t.externalId),
  ],
);
