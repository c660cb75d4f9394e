import { sql } from "drizzle-orm";
import type { ScorecardWindows } from "../../../costs/windows";
import type { TenantCtx } from "../../client";
import { d1Of, queryAll } from "../../statements";

/**
 * Reads behind the scorecard and the cost explorer. Everything here reads the daily rollups (cost_daily,
 * usage_daily) and indexed run/dataset rows: never the million-row ledger.
 */

/**
 * SQL text of the month-to-date scorecard cost query (shared with bench/cost): one row per product per day in the
 * per-dimension rollup. ?1 tenant, ?2–?7 the windows, ?8–?9 the scan range.
 */
export const scorecardCostSql = `
SELECT key,
  sum(CASE WHEN day >= ?2 AND day <= ?3 THEN amount_micros ELSE 0 END),
  sum(CASE WHEN day >= ?4 AND day <= ?5 THEN amount_micros ELSE 0 END),
  sum(CASE WHEN day >= ?6 AND day <= ?7 THEN amount_micros ELSE 0 END)
FROM cost_daily_totals
WHERE tenant_id = ?1 AND dimension = 'product' AND day >= ?8 AND day <= ?9
GROUP BY key`;

export const scorecardUsageSql = `
SELECT product_id,
  sum(CASE WHEN day >= ?2 AND day <= ?3 THEN count ELSE 0 END),
  sum(CASE WHEN day >= ?4 AND day <= ?5 THEN count ELSE 0 END),
  sum(CASE WHEN day >= ?6 AND day <= ?7 THEN count ELSE 0 END),
  count(DISTINCT CASE WHEN day >= ?2 AND day <= ?3 AND consumer <> '' THEN consumer END),
  max(CASE WHEN count > 0 THEN day END)
FROM usage_daily
WHERE tenant_id = ?1 AND day >= ?8 AND day <= ?9
GROUP BY product_id`;

export const windowParams = (w: ScorecardWindows) => {
  const lo = [w.month.from, w.previous.from, w.last30.from].sort()[0];
  const hi = [w.month.to, w.previous.to, w.last30.to].sort().reverse()[0];
  return [w.month.from, w.month.to, w.previous.from, w.previous.to, w.last30.from, w.last30.to, lo, hi];
};

export interface CostSums {
  monthMicros: number;
  previousMicros: number;
  last30Micros: number;
}

export interface UsageSums {
  month: number;
  previous: number;
  last30: number;
  consumers: number;
  lastUsedDay: string | null;
}

async function raw(ctx: TenantCtx, text: string, params: unknown[]): Promise<unknown[][]> {
  return d1Of(ctx)
    .prepare(text)
    .bind(ctx.tenantId, ...params)
    .raw();
}

/** Cost of every product (and '' for unattributed) in the three scorecard windows. */
export async function costSums(ctx: TenantCtx, w: ScorecardWindows): Promise<Map<string, CostSums>> {
  const rows = await raw(ctx, scorecardCostSql, windowParams(w));
  return new Map(rows.map((r) => [r[0] as string, { monthMicros: r[1] as number, previousMicros: r[2] as number, last30Micros: r[3] as number }]));
}

export async function usageSums(ctx: TenantCtx, w: ScorecardWindows): Promise<Map<string, UsageSums>> {
  const rows = await raw(ctx, scorecardUsageSql, windowParams(w));
  return new Map(
    rows.map((r) => [
      r[0] as string,
      { month: r[1] as number, previous: r[2] as number, last30: r[3] as number, consumers: r[4] as number, lastUsedDay: (r[5] as string | null) ?? null },
    ]),
  );
}

export interface RunCounts {
  succeeded: number;
  failed: number;
  total: number;
  lastSuccessAt: number | null;
}

/** Finished runs of pipelines since `since`: success counts and the latest success, per pipeline. */
export async function runCounts(ctx: TenantCtx, pipelineIds: string[], since: number): Promise<Map<string, RunCounts>> {
  if (!pipelineIds.length) return new Map();
  const rows = await queryAll<{ pipeline_id: string; succeeded: number; failed: number; total: number }>(
    ctx,
    sql`SELECT pipeline_id, sum(status = 'succeeded') AS succeeded, sum(status IN ('failed', 'timed_out')) AS failed,
          sum(status IN ('succeeded', 'failed', 'timed_out')) AS total
        FROM runs WHERE tenant_id = ${ctx.tenantId} AND pipeline_id IN (SELECT value FROM json_each(${JSON.stringify(pipelineIds)})) AND queued_at >= ${since}
        GROUP BY pipeline_id`,
  );
  // The latest success may be older than the window (a monthly pipeline): its own indexed lookup per pipeline.
  const last = await queryAll<{ pipeline_id: string; at: number | null }>(
    ctx,
    sql`SELECT p.value AS pipeline_id,
          (SELECT max(r.finished_at) FROM runs r WHERE r.tenant_id = ${ctx.tenantId} AND r.pipeline_id = p.value AND r.status = 'succeeded') AS at
        FROM json_each(${JSON.stringify(pipelineIds)}) p`,
  );
  const lastBy = new Map(last.map((l) => [l.pipeline_id, l.at]));
  const out = new Map<string, RunCounts>();
  for (const id of pipelineIds) {
    const r = rows.find((x) => x.pipeline_id === id);
    out.set(id, { succeeded: r?.succeeded ?? 0, failed: r?.failed ?? 0, total: r?.total ?? 0, lastSuccessAt: lastBy.get(id) ?? null });
  }
  return out;
}

/** Last successful write of each dataset. */
export async function lastWrites(ctx: TenantCtx, datasetIds: string[]): Promise<Map<string, number | null>> {
  if (!datasetIds.length) return new Map();
  const rows = await queryAll<{ id: string; at: number | null }>(
    ctx,
    sql`SELECT d.id, d.last_write_at AS at FROM json_each(${JSON.stringify(datasetIds)}) s CROSS JOIN datasets d ON d.tenant_id = ${ctx.tenantId} AND d.id = s.value`,
  );
  return new Map(rows.map((r) => [r.id, r.at]));
}

/** Latest result of each check of the datasets observed since `since`: pass and total (skipped left out). */
export async function qualityCounts(ctx: TenantCtx, datasetIds: string[], since: number): Promise<Map<string, { pass: number; total: number }>> {
  if (!datasetIds.length) return new Map();
  const rows = await queryAll<{ dataset_id: string; status: string }>(
    ctx,
    sql`SELECT q.dataset_id, q.status, max(q.observed_at) FROM json_each(${JSON.stringify(datasetIds)}) s
        CROSS JOIN quality_results q ON q.tenant_id = ${ctx.tenantId} AND q.dataset_id = s.value AND q.observed_at >= ${since}
        GROUP BY q.dataset_id, q.check_name, coalesce(q.column_name, '')`,
  );
  const out = new Map<string, { pass: number; total: number }>();
  for (const r of rows) {
    if (r.status === "skipped") continue;
    const c = out.get(r.dataset_id) ?? { pass: 0, total: 0 };
    c.total++;
    if (r.status === "pass") c.pass++;
    out.set(r.dataset_id, c);
  }
  return out;
}

/** Successful update times (run finishes and dataset writes) since `since`, for SLA attainment. */
export async function updateTimes(ctx: TenantCtx, pipelineIds: string[], datasetIds: string[], since: number): Promise<number[]> {
  const rows = await queryAll<{ at: number }>(
    ctx,
    sql`SELECT finished_at AS at FROM runs WHERE tenant_id = ${ctx.tenantId} AND pipeline_id IN (SELECT value FROM json_each(${JSON.stringify(pipelineIds)}))
          AND status = 'succeeded' AND finished_at >= ${since}
        UNION ALL
        SELECT io.at FROM json_each(${JSON.stringify(datasetIds)}) s
          CROSS JOIN job_run_datasets io ON io.tenant_id = ${ctx.tenantId} AND io.dataset_id = s.value AND io.role = 'output' AND io.at >= ${since}`,
  );
  return rows.map((r) => r.at).sort((a, b) => a - b);
}

export const explorerDimensions = ["team", "product", "pipeline", "source"] as const;
export type ExplorerDimension = (typeof explorerDimensions)[number];
export const granularities = ["day", "week", "month"] as const;
export type Granularity = (typeof granularities)[number];

const columnOf: Record<ExplorerDimension, string> = { team: "team_id", product: "product_id", pipeline: "pipeline_id", source: "source" };
const bucketOf: Record<Granularity, string> = { day: "day", week: "date(day, '-6 days', 'weekday 1')", month: "substr(day, 1, 7)" };

export interface ExplorerFilter {
  teamId?: string;
  productId?: string;
  pipelineId?: string;
  source?: string;
}

/**
 * SQL of the explorer query (shared with bench/cost). ?1 tenant, ?2 from day, ?3 to day, then the filters in order.
 * Without filters it reads the per-dimension totals (a row per key and day); with filters, the full daily rollup.
 */
export function explorerSql(groupBy: ExplorerDimension, granularity: Granularity, filters: Array<keyof ExplorerFilter>): string {
  if (!filters.length) {
    return `
SELECT ${bucketOf[granularity]} AS bucket, key, sum(amount_micros), sum(records)
FROM cost_daily_totals
WHERE tenant_id = ?1 AND dimension = '${groupBy}' AND day >= ?2 AND day <= ?3
GROUP BY bucket, key
ORDER BY bucket, key`;
  }
  const where = filters
    .map((f, i) => `AND ${{ teamId: "team_id", productId: "product_id", pipelineId: "pipeline_id", source: "source" }[f]} = ?${i + 4}`)
    .join(" ");
  return `
SELECT ${bucketOf[granularity]} AS bucket, ${columnOf[groupBy]} AS key, sum(amount_micros), sum(records)
FROM cost_daily
WHERE tenant_id = ?1 AND day >= ?2 AND day <= ?3 ${where}
GROUP BY bucket, key
ORDER BY bucket, key`;
}

export interface ExplorerCell {
  bucket: string;
  key: string;
  amountMicros: number;
  records: number;
}

export async function explorerCells(
  ctx: TenantCtx,
  q: { from: string; to: string; groupBy: ExplorerDimension; granularity: Granularity; filter: ExplorerFilter },
): Promise<ExplorerCell[]> {
  const keys = (Object.keys(q.filter) as Array<keyof ExplorerFilter>).filter((k) => q.filter[k] !== undefined);
  const rows = await raw(ctx, explorerSql(q.groupBy, q.granularity, keys), [q.from, q.to, ...keys.map((k) => q.filter[k])]);
  return rows.map((r) => ({ bucket: r[0] as string, key: r[1] as string, amountMicros: r[2] as number, records: r[3] as number }));
}

/** Display names of explorer keys. */
export async function labelsOf(ctx: TenantCtx, dimension: ExplorerDimension, keys: string[]): Promise<Map<string, string>> {
  const ids = keys.filter(Boolean);
  if (dimension === "source" || !ids.length) return new Map(ids.map((k) => [k, k]));
  const table = { team: "teams", product: "products", pipeline: "pipelines" }[dimension];
  const label = dimension === "product" ? "title" : "name";
  const rows = await raw(ctx, `SELECT id, ${label} FROM ${table} WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))`, [JSON.stringify(ids)]);
  return new Map(rows.map((r) => [r[0] as string, r[1] as string]));
}

/** Daily cost of one product by source, `from`–`to` inclusive. */
export async function productCostBySource(ctx: TenantCtx, productId: string, from: string, to: string) {
  return queryAll<{ day: string; source: string; amount: number }>(
    ctx,
    sql`SELECT day, source, sum(amount_micros) AS amount FROM cost_daily
        WHERE tenant_id = ${ctx.tenantId} AND product_id = ${productId} AND day >= ${from} AND day <= ${to}
        GROUP BY day, source ORDER BY day, source`,
  );
}
