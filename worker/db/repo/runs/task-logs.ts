import { and, asc, eq, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { taskLogs } from "../../schema";
import { runBatch, stmt, type Stmt } from "../../statements";

export type TaskLogRow = typeof taskLogs.$inferSelect;

export interface AttemptRef {
  runId: string;
  taskKey: string;
  attempt: number;
}

/** What one fetch of an attempt's log stored in R2 (blob_key) or holds itself (content), to be recorded in D1. */
export interface TaskLogWrite extends AttemptRef {
  source: string;
  blobKey: string;
  /** The log itself, when short enough to live in the row (no R2 object was written). */
  content?: string | null;
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
  const statements = taskLogStatements(ctx, w);
  const results = await runBatch(ctx, statements);
  return taskLogApplied(results.slice(0, statements.length));
}

/** recordTaskLog's statements, for a batch that writes other rows beside them; `taskLogApplied` reads their results. */
export function taskLogStatements(ctx: TenantCtx, w: TaskLogWrite): Stmt[] {
  const t = ctx.tenantId;
  const row = sql`tenant_id = ${t} AND run_id = ${w.runId} AND task_key = ${w.taskKey} AND attempt = ${w.attempt}`;
  const open = sql`NOT EXISTS (SELECT 1 FROM task_logs WHERE ${row} AND complete = 1)`;
  return [
    stmt(sql`INSERT INTO storage_usage (tenant_id, kind) VALUES (${t}, 'task_log') ON CONFLICT DO NOTHING`),
    // Before the row changes: the difference to what it held (a new row adds one object).
    stmt(sql`
      UPDATE storage_usage SET
        bytes = bytes + ${w.bytes} - COALESCE((SELECT bytes FROM task_logs WHERE ${row}), 0),
        objects = objects + (CASE WHEN EXISTS (SELECT 1 FROM task_logs WHERE ${row}) THEN 0 ELSE 1 END)
      WHERE tenant_id = ${t} AND kind = 'task_log' AND ${open}`),
    stmt(sql`
      INSERT INTO task_logs (tenant_id, run_id, task_key, attempt, source, blob_key, content, bytes, dropped_bytes, complete, fetched_at)
      VALUES (${t}, ${w.runId}, ${w.taskKey}, ${w.attempt}, ${w.source}, ${w.blobKey}, ${w.content ?? null}, ${w.bytes}, ${w.droppedBytes}, ${w.complete ? 1 : 0}, ${w.fetchedAt})
      ON CONFLICT (tenant_id, run_id, task_key, attempt) DO UPDATE SET
        blob_key = excluded.blob_key, content = excluded.content, bytes = excluded.bytes, dropped_bytes = excluded.dropped_bytes,
        complete = excluded.complete, fetched_at = excluded.fetched_at
      WHERE task_logs.complete = 0`),
  ];
}

/** Whether the write of taskLogStatements was applied (its results, in order). */
export const taskLogApplied = (results: D1Result[]) => results[2].meta.changes > 0;

/** What a new fetch of an attempt's log needs to know of the one stored before (as a statement for a read batch). */
export function storedTaskLogStatement(ctx: TenantCtx, ref: AttemptRef): Stmt {
  return stmt(
    sql`SELECT blob_key, content IS NOT NULL AS inline, bytes, complete FROM task_logs WHERE tenant_id = ${ctx.tenantId} AND run_id = ${ref.runId} AND task_key = ${ref.taskKey} AND attempt = ${ref.attempt}`,
  );
}

/** A stored log as storedTaskLogStatement reads it; `inline` when the row holds it (its blob key names no R2 object). */
export const storedTaskLogOf = (row: Record<string, unknown> | undefined): { blobKey: string; inline: boolean; bytes: number; complete: boolean } | null =>
  row
    ? {
        blobKey: row.blob_key as string,
        inline: row.inline === 1 || row.inline === true,
        bytes: row.bytes as number,
        complete: row.complete === 1 || row.complete === true,
      }
    : null;

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
