import { sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";

/** A pipeline's production runs queued in [from, to), as the history view reads them. */
interface Range {
  pipelineId: string;
  from: number;
  to: number;
}

const inRange = (ctx: TenantCtx, r: Range) =>
  sql`tenant_id = ${ctx.tenantId} AND pipeline_id = ${r.pipelineId} AND environment = 'prod' AND queued_at >= ${r.from} AND queued_at < ${r.to}`;

export interface HistoryDayRow {
  /** Days since the epoch (UTC). */
  day: number;
  runs: number;
  succeeded: number;
  failed: number;
  /** Mean start-to-finish time of the day's successful runs; null when none succeeded. */
  avg_success_ms: number | null;
}

/** Counts and mean successful duration per UTC day: one grouped read over the `runs_pipeline` index. */
export function historyByDay(ctx: TenantCtx, r: Range) {
  return ctx.db.all<HistoryDayRow>(sql`
    SELECT queued_at / 86400000 AS day, COUNT(*) AS runs,
           SUM(status = 'succeeded') AS succeeded, SUM(status = 'failed') AS failed,
           AVG(CASE WHEN status = 'succeeded' AND started_at IS NOT NULL THEN finished_at - started_at END) AS avg_success_ms
    FROM runs WHERE ${inRange(ctx, r)}
    GROUP BY day ORDER BY day`);
}

/**
 * The successful runs' durations at the given quantiles (0–1), nearest-rank, one indexed read each: SQLite has no
 * percentile function, and reading every duration of a busy pipeline's 90 days would be tens of thousands of rows.
 */
export async function successDurationQuantiles(ctx: TenantCtx, r: Range, quantiles: number[]): Promise<Array<number | null>> {
  const ok = sql`${inRange(ctx, r)} AND status = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL`;
  const [{ n }] = await ctx.db.all<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs WHERE ${ok}`);
  if (n === 0) return quantiles.map(() => null);
  return Promise.all(
    quantiles.map(async (q) => {
      const offset = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
      const rows = await ctx.db.all<{ d: number }>(sql`SELECT finished_at - started_at AS d FROM runs WHERE ${ok} ORDER BY d LIMIT 1 OFFSET ${offset}`);
      return rows[0]?.d ?? null;
    }),
  );
}

export interface HistoryRunRow {
  id: string;
  status: string;
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** The latest `limit` runs in the range, newest first. */
export function latestRunsInRange(ctx: TenantCtx, r: Range, limit: number) {
  return ctx.db.all<HistoryRunRow>(sql`
    SELECT id, status, queued_at, started_at, finished_at FROM runs WHERE ${inRange(ctx, r)}
    ORDER BY queued_at DESC, id DESC LIMIT ${limit}`);
}
