import { and, eq, lt, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import type { BackfillControl, BackfillState } from "../../../engine/backfill-control";
import { backfills } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";

export type NewBackfill = Omit<typeof backfills.$inferInsert, "tenantId">;

/** The backfill's row and its audit entry, in one batch: both or neither. */
export async function recordBackfill(ctx: TenantCtx, source: AuditSource, row: NewBackfill, teamId: string): Promise<void> {
  await ctx.db.batch([
    ctx.db.insert(backfills).values({ ...row, tenantId: ctx.tenantId }),
    auditInsert(ctx, source, {
      action: "backfill.created",
      targetType: "pipeline",
      targetId: row.pipelineId,
      teamId,
      details: { backfill_id: row.id, slots: row.slots },
    }),
  ]);
}

/** A backfill with its pipeline, its slots counted by their latest run, and its overall state. */
export interface BackfillSummary {
  id: string;
  pipelineId: string;
  pipelineName: string;
  teamId: string;
  fromAt: number;
  toAt: number;
  parallelism: number;
  control: BackfillControl;
  state: BackfillState;
  createdBy: string;
  createdAt: number;
  updatedAt: number | null;
  slots: { total: number; pending: number; running: number; succeeded: number; failed: number; cancelled: number };
}

interface SummaryRow {
  id: string;
  pipeline_id: string;
  pipeline_name: string;
  team_id: string;
  from_at: number;
  to_at: number;
  parallelism: number;
  control: BackfillControl;
  state: BackfillState;
  created_by: string;
  created_at: number;
  updated_at: number | null;
  total: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/**
 * The one definition of a backfill's slot counts and state. A slot's status is that of its latest run (a retried slot
 * has several). Slots whose run D1 has not seen yet (written through a moment after the engine made it) count as
 * pending, so `total` is always the slots the backfill was made with. State: `cancelled` once cancelled; while slots
 * are pending or running, `paused` or `running` as it was told; then `succeeded` when every slot succeeded, else `failed`.
 */
function summaries(ctx: TenantCtx, where: SQL, tail: SQL) {
  return ctx.db.all<SummaryRow>(sql`
    WITH latest AS (
      SELECT r.backfill_id, r.status,
             ROW_NUMBER() OVER (PARTITION BY r.backfill_id, r.logical_at ORDER BY r.queued_at DESC, r.id DESC) AS rn
      FROM runs r WHERE r.tenant_id = ${ctx.tenantId} AND r.backfill_id IS NOT NULL
    ),
    counts AS (
      SELECT backfill_id,
             SUM(status = 'running') AS running,
             SUM(status = 'succeeded') AS succeeded,
             SUM(status IN ('failed', 'timed_out')) AS failed,
             SUM(status IN ('cancelled', 'skipped')) AS cancelled
      FROM latest WHERE rn = 1 GROUP BY backfill_id
    ),
    summary AS (
      SELECT b.id, b.pipeline_id, p.name AS pipeline_name, p.team_id, b.from_at, b.to_at, b.parallelism, b.control,
             b.created_by, b.created_at, b.updated_at, b.slots AS total,
             COALESCE(c.running, 0) AS running, COALESCE(c.succeeded, 0) AS succeeded,
             COALESCE(c.failed, 0) AS failed, COALESCE(c.cancelled, 0) AS cancelled,
             CASE
               WHEN b.control = 'cancelled' THEN 'cancelled'
               WHEN b.slots > COALESCE(c.succeeded, 0) + COALESCE(c.failed, 0) + COALESCE(c.cancelled, 0)
                 THEN CASE WHEN b.control = 'paused' THEN 'paused' ELSE 'running' END
               WHEN COALESCE(c.failed, 0) + COALESCE(c.cancelled, 0) > 0 THEN 'failed'
               ELSE 'succeeded'
             END AS state
      FROM backfills b
      JOIN pipelines p ON p.tenant_id = b.tenant_id AND p.id = b.pipeline_id
      LEFT JOIN counts c ON c.backfill_id = b.id
      WHERE b.tenant_id = ${ctx.tenantId}
    )
    SELECT * FROM summary WHERE ${where} ${tail}`);
}

function toSummary(r: SummaryRow): BackfillSummary {
  const ended = r.succeeded + r.failed + r.cancelled;
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    pipelineName: r.pipeline_name,
    teamId: r.team_id,
    fromAt: r.from_at,
    toAt: r.to_at,
    parallelism: r.parallelism,
    control: r.control,
    state: r.state,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    slots: {
      total: r.total,
      pending: Math.max(0, r.total - ended - r.running),
      running: r.running,
      succeeded: r.succeeded,
      failed: r.failed,
      cancelled: r.cancelled,
    },
  };
}

export async function getBackfill(ctx: TenantCtx, id: string): Promise<BackfillSummary | null> {
  const rows = await summaries(ctx, sql`id = ${id}`, sql`LIMIT 1`);
  return rows[0] ? toSummary(rows[0]) : null;
}

export interface BackfillFilter {
  pipelineId?: string;
  states?: BackfillState[];
  before?: { createdAt: number; id: string };
  limit: number;
}

/** Newest first; `limit + 1` rows so the caller can tell whether there is a next page. */
export async function listBackfills(ctx: TenantCtx, f: BackfillFilter): Promise<BackfillSummary[]> {
  const conds: SQL[] = [sql`1`];
  if (f.pipelineId) conds.push(sql`pipeline_id = ${f.pipelineId}`);
  if (f.states?.length) conds.push(sql`state IN ${f.states}`);
  if (f.before) conds.push(sql`(created_at < ${f.before.createdAt} OR (created_at = ${f.before.createdAt} AND id < ${f.before.id}))`);
  const rows = await summaries(ctx, sql.join(conds, sql` AND `), sql`ORDER BY created_at DESC, id DESC LIMIT ${f.limit + 1}`);
  return rows.map(toSummary);
}

/** One slot of a backfill: its schedule time and its latest run (with how many runs the slot has had). */
export interface BackfillSlot {
  logicalAt: number;
  runId: string;
  status: string;
  runs: number;
  params: Record<string, unknown>;
}

/** Every slot D1 has seen a run for, in schedule order. */
export async function backfillSlots(ctx: TenantCtx, backfillId: string): Promise<BackfillSlot[]> {
  const rows = await ctx.db.all<{ logical_at: number; id: string; status: string; runs: number; params: string }>(sql`
    SELECT logical_at, id, status, runs, params FROM (
      SELECT logical_at, id, status, params,
             ROW_NUMBER() OVER (PARTITION BY logical_at ORDER BY queued_at DESC, id DESC) AS rn,
             COUNT(*) OVER (PARTITION BY logical_at) AS runs
      FROM runs WHERE tenant_id = ${ctx.tenantId} AND backfill_id = ${backfillId}
    ) WHERE rn = 1 ORDER BY logical_at`);
  return rows.map((r) => ({ logicalAt: r.logical_at, runId: r.id, status: r.status, runs: r.runs, params: JSON.parse(r.params) }));
}

/**
 * Records a change the run engine applied (pause, resume, cancel) with its audit entry, in one batch. The row moves
 * only forward in the engine's sequence, so of two racing writes the later change stays.
 */
export async function recordBackfillControl(
  ctx: TenantCtx,
  source: AuditSource,
  change: { id: string; control: BackfillControl; seq: number; teamId: string; audit: { action: string; details: Record<string, unknown> } | null },
): Promise<void> {
  const update = ctx.db
    .update(backfills)
    .set({ control: change.control, controlSeq: change.seq, updatedAt: source.now })
    .where(and(eq(backfills.tenantId, ctx.tenantId), eq(backfills.id, change.id), lt(backfills.controlSeq, change.seq)));
  if (!change.audit) {
    await update;
    return;
  }
  await ctx.db.batch([
    update,
    auditInsert(ctx, source, {
      action: change.audit.action,
      targetType: "backfill",
      targetId: change.id,
      teamId: change.teamId,
      details: change.audit.details,
    }),
  ]);
}
