import { and, asc, eq, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { taskLogs } from "../../schema";
import { runBatch, stmt } from "../../statements";

export type TaskLogRow = typeof taskLogs.$inferSelect;

export interface AttemptRef {
  runId: string;
  taskKey: string;
  attempt: number;
}

/** What one fetch of an attempt's log stored in R2 (blob_key), to be recorded in D1. */
export interface TaskLogWrite extends AttemptRef {
  source: string;
  blobKey: string;
  bytes: number;
  droppedBytes: number;
  complete: boolean;
  fetchedAt: number;
}

/**
 * Records a fetch of an attempt's log and moves the tenant's `task_log` usage by the change in stored bytes, in one
 * D1 batch. A log recorded complete is final: a later write (a follow-while-running fetch that finished after the
 * attempt's last one) changes neither the row nor the usage. Returns whether this write was applied.
 */
export async function recordTaskLog(ctx: TenantCtx, w: TaskLogWrite): Promise<boolean> {
  const t = ctx.tenantId;
  const row = sql`tenant_id = ${t} AND run_id = ${w.runId} AND task_key = ${w.taskKey} AND attempt = ${w.attempt}`;
  const open = sql`NOT EXISTS (SELECT 1 FROM task_logs WHERE ${row} AND complete = 1)`;
  const results = await runBatch(ctx, [
    stmt(sql`INSERT INTO storage_usage (tenant_id, kind) VALUES (${t}, 'task_log') ON CONFLICT DO NOTHING`),
    // Before the row changes: the difference to what it held (a new row adds one object).
    stmt(sql`
      UPDATE storage_usage SET
        bytes = bytes + ${w.bytes} - COALESCE((SELECT bytes FROM task_logs WHERE ${row}), 0),
        objects = objects + (CASE WHEN EXISTS (SELECT 1 FROM task_logs WHERE ${row}) THEN 0 ELSE 1 END)
      WHERE tenant_id = ${t} AND kind = 'task_log' AND ${open}`),
    stmt(sql`
      INSERT INTO task_logs (tenant_id, run_id, task_key, attempt, source, blob_key, bytes, dropped_bytes, complete, fetched_at)
      VALUES (${t}, ${w.runId}, ${w.taskKey}, ${w.attempt}, ${w.source}, ${w.blobKey}, ${w.bytes}, ${w.droppedBytes}, ${w.complete ? 1 : 0}, ${w.fetchedAt})
      ON CONFLICT (tenant_id, run_id, task_key, attempt) DO UPDATE SET
        blob_key = excluded.blob_key, bytes = excluded.bytes, dropped_bytes = excluded.dropped_bytes,
        complete = excluded.complete, fetched_at = excluded.fetched_at
      WHERE task_logs.complete = 0`),
  ]);
  return results[2].meta.changes > 0;
}

export async function getTaskLog(ctx: TenantCtx, ref: AttemptRef): Promise<TaskLogRow | null> {
  const [row] = await ctx.db
    .select()
    .from(taskLogs)
    .where(and(eq(taskLogs.tenantId, ctx.tenantId), eq(taskLogs.runId, ref.runId), eq(taskLogs.taskKey, ref.taskKey), eq(taskLogs.attempt, ref.attempt)))
    .limit(1);
  return row ?? null;
}

/** Every attempt's log of a run, by task and attempt. */
export async function listTaskLogs(ctx: TenantCtx, runId: string): Promise<TaskLogRow[]> {
  return ctx.db
    .select()
    .from(taskLogs)
    .where(and(eq(taskLogs.tenantId, ctx.tenantId), eq(taskLogs.runId, runId)))
    .orderBy(asc(taskLogs.taskKey), asc(taskLogs.attempt));
}
