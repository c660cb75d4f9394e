import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { getTableColumns } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { fromBuilder, runBatch, type Stmt } from "../../statements";
import { runEvents, runs, taskAttempts, taskRuns } from "../../schema";

export type RunRowD1 = typeof runs.$inferInsert;
export type TaskRunRowD1 = typeof taskRuns.$inferInsert;
export type TaskAttemptRowD1 = typeof taskAttempts.$inferInsert;
export type RunEventRowD1 = typeof runEvents.$inferInsert;

/** One transition's worth of rows, written through from the Durable Object. */
export interface RunSnapshot {
  run: Omit<RunRowD1, "tenantId">;
  tasks: Array<Omit<TaskRunRowD1, "tenantId">>;
  attempts: Array<Omit<TaskAttemptRowD1, "tenantId">>;
  events: Array<Omit<RunEventRowD1, "tenantId">>;
}

/** `SET col = excluded.col` for every column but the key. */
function excludedSet(table: SQLiteTable, keys: string[]) {
  const set: Record<string, SQL> = {};
  for (const [prop, col] of Object.entries(getTableColumns(table)) as Array<[string, SQLiteColumn]>) {
    if (!keys.includes(prop)) set[prop] = sql.raw(`excluded."${col.name}"`);
  }
  return set;
}

const runSet = excludedSet(runs, ["tenantId", "id"]);
const taskSet = excludedSet(taskRuns, ["tenantId", "runId", "taskKey"]);
/** Event rows per insert: D1 allows 100 bound parameters per statement, and one transition may log hundreds of events. */
const EVENTS_PER_STATEMENT = Math.floor(100 / Object.keys(getTableColumns(runEvents)).length);
const attemptSet = excludedSet(taskAttempts, ["tenantId", "runId", "taskKey", "attempt"]);

/**
 * Idempotent write-through: rows only move forward (`seq` guard), events are insert-or-ignore,
 * so a snapshot written twice or late changes nothing.
 */
export async function writeRunSnapshots(ctx: TenantCtx, snapshots: RunSnapshot[]) {
  await runBatch(ctx, runSnapshotStatements(ctx, snapshots));
}

/** writeRunSnapshots' statements, for a batch that writes other rows beside them (the run engine's outbox flush). */
export function runSnapshotStatements(ctx: TenantCtx, snapshots: RunSnapshot[]): Stmt[] {
  const t = ctx.tenantId;
  const statements: Stmt[] = [];
  for (const s of snapshots) {
    statements.push(
      fromBuilder(
        ctx.db
          .insert(runs)
          .values({ ...s.run, tenantId: t })
          .onConflictDoUpdate({ target: [runs.tenantId, runs.id], set: runSet, setWhere: sql`excluded.seq > ${runs.seq}` }),
      ),
    );
    for (const task of s.tasks) {
      statements.push(
        fromBuilder(
          ctx.db
            .insert(taskRuns)
            .values({ ...task, tenantId: t })
            .onConflictDoUpdate({ target: [taskRuns.tenantId, taskRuns.runId, taskRuns.taskKey], set: taskSet, setWhere: sql`excluded.seq > ${taskRuns.seq}` }),
        ),
      );
    }
    for (const a of s.attempts) {
      statements.push(
        fromBuilder(
          ctx.db
            .insert(taskAttempts)
            .values({ ...a, tenantId: t })
            .onConflictDoUpdate({ target: [taskAttempts.tenantId, taskAttempts.runId, taskAttempts.taskKey, taskAttempts.attempt], set: attemptSet }),
        ),
      );
    }
    for (let i = 0; i < s.events.length; i += EVENTS_PER_STATEMENT) {
      statements.push(
        fromBuilder(
          ctx.db
            .insert(runEvents)
            .values(s.events.slice(i, i + EVENTS_PER_STATEMENT).map((e) => ({ ...e, tenantId: t })))
            .onConflictDoNothing(),
        ),
      );
    }
  }
  return statements;
}

export async function getRun(ctx: TenantCtx, runId: string) {
  const [row] = await ctx.db
    .select()
    .from(runs)
    .where(and(eq(runs.tenantId, ctx.tenantId), eq(runs.id, runId)))
    .limit(1);
  return row ?? null;
}

export async function getRunDetail(ctx: TenantCtx, runId: string) {
  const [run, tasks, attempts] = await ctx.db.batch([
    ctx.db
      .select()
      .from(runs)
      .where(and(eq(runs.tenantId, ctx.tenantId), eq(runs.id, runId)))
      .limit(1),
    ctx.db
      .select()
      .from(taskRuns)
      .where(and(eq(taskRuns.tenantId, ctx.tenantId), eq(taskRuns.runId, runId))),
    ctx.db
      .select()
      .from(taskAttempts)
      .where(and(eq(taskAttempts.tenantId, ctx.tenantId), eq(taskAttempts.runId, runId)))
      .orderBy(asc(taskAttempts.taskKey), asc(taskAttempts.attempt)),
  ]);
  if (!run[0]) return null;
  return { run: run[0], tasks, attempts };
}

export interface RunFilter {
  pipelineId?: string;
  pipelineIds?: string[];
  status?: string[];
  triggerKind?: string;
  teamId?: string;
  backfillId?: string;
  environment?: string;
  before?: { queuedAt: number; id: string };
  limit: number;
}

/** The tenant and the filters of a run list, as conditions, for the list and the timeline alike. */
export function runConditions(ctx: TenantCtx, f: Omit<RunFilter, "before" | "limit">): SQL[] {
  const conds: SQL[] = [eq(runs.tenantId, ctx.tenantId)];
  if (f.pipelineId) conds.push(eq(runs.pipelineId, f.pipelineId));
  if (f.pipelineIds) conds.push(f.pipelineIds.length ? inArray(runs.pipelineId, f.pipelineIds) : sql`0`);
  if (f.status?.length) conds.push(inArray(runs.status, f.status as (typeof runs.status._.data)[]));
  if (f.triggerKind) conds.push(eq(runs.triggerKind, f.triggerKind as typeof runs.triggerKind._.data));
  if (f.teamId) conds.push(eq(runs.teamId, f.teamId));
  if (f.backfillId) conds.push(eq(runs.backfillId, f.backfillId));
  if (f.environment) conds.push(eq(runs.environment, f.environment));
  return conds;
}

export async function listRuns(ctx: TenantCtx, f: RunFilter) {
  const conds = runConditions(ctx, f);
  if (f.before) conds.push(or(lt(runs.queuedAt, f.before.queuedAt), and(eq(runs.queuedAt, f.before.queuedAt), lt(runs.id, f.before.id)))!);
  return ctx.db
    .select()
    .from(runs)
    .where(and(...conds))
    .orderBy(desc(runs.queuedAt), desc(runs.id))
    .limit(f.limit + 1);
}

export async function listRunEvents(ctx: TenantCtx, runId: string, afterSeq: number, limit: number) {
  return ctx.db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.tenantId, ctx.tenantId), eq(runEvents.runId, runId), sql`${runEvents.seq} > ${afterSeq}`))
    .orderBy(asc(runEvents.seq))
    .limit(limit);
}

/** The task run a tool's webhook is about, found by the tool's own run id. */
export async function findTaskRunByExternalId(ctx: TenantCtx, connector: string, externalId: string) {
  const [row] = await ctx.db
    .select()
    .from(taskRuns)
    .where(and(eq(taskRuns.tenantId, ctx.tenantId), eq(taskRuns.connector, connector), eq(taskRuns.externalId, externalId)))
    .limit(1);
  return row ?? null;
}

/** Last few production runs per pipeline, for the coloured dots in the pipelines list; ordered like listRuns. CI runs are history of their own. */
export async function recentRunsByPipeline(ctx: TenantCtx, pipelineIds: string[], perPipeline: number) {
  if (!pipelineIds.length) return [];
  return ctx.db.all<{ pipeline_id: string; id: string; status: string; queued_at: number; finished_at: number | null }>(sql`
    SELECT pipeline_id, id, status, queued_at, finished_at FROM (
      SELECT pipeline_id, id, status, queued_at, finished_at,
             ROW_NUMBER() OVER (PARTITION BY pipeline_id ORDER BY queued_at DESC, id DESC) AS rn
      FROM runs WHERE tenant_id = ${ctx.tenantId} AND pipeline_id IN ${pipelineIds} AND environment = 'prod'
    ) WHERE rn <= ${perPipeline} ORDER BY pipeline_id, queued_at DESC, id DESC`);
}
