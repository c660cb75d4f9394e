import { sql, type SQL } from "drizzle-orm";
import type { ScorecardWindows } from "../../../costs/windows";
import type { TenantCtx } from "../../client";
import type { QualityStatus } from "../../schema/enums";
import { queryAll, rawRows } from "../../statements";

/**
 * Reads behind the scorecard and the cost explorer. Everything here reads the daily rollups (cost_daily,
 * usage_daily) and indexed run/dataset rows: never the million-row ledger.
 */

/** The three scorecard windows and the day range that covers them all (one index range scan). */
const windowParams = (w: ScorecardWindows) => {
  const lo = [w.month.from, w.previous.from, w.last30.from].sort()[0];
  const hi = [w.month.to, w.previous.to, w.last30.to].sort().reverse()[0];
  return { month: w.month, previous: w.previous, last30: w.last30, lo, hi };
};

/** Month-to-date scorecard cost (shared with bench/cost): one row per product per day in the per-dimension rollup. */
export const scorecardCostSql = (tenantId: string, windows: ScorecardWindows): SQL => {
  const w = windowParams(windows);
  return sql`
SELECT key,
  sum(CASE WHEN day >= ${w.month.from} AND day <= ${w.month.to} THEN amount_micros ELSE 0 END),
  sum(CASE WHEN day >= ${w.previous.from} AND day <= ${w.previous.to} THEN amount_micros ELSE 0 END),
  sum(CASE WHEN day >= ${w.last30.from} AND day <= ${w.last30.to} THEN amount_micros ELSE 0 END)
FROM cost_daily_totals
WHERE tenant_id = ${tenantId} AND dimension = 'product' AND day >= ${w.lo} AND day <= ${w.hi}
GROUP BY key`;
};

export const scorecardUsageSql = (tenantId: string, windows: ScorecardWindows): SQL => {
  const w = windowParams(windows);
  return sql`
SELECT product_id,
  sum(CASE WHEN day >= ${w.month.from} AND day <= ${w.month.to} THEN count ELSE 0 END),
  sum(CASE WHEN day >= ${w.previous.from} AND day <= ${w.previous.to} THEN count ELSE 0 END),
  sum(CASE WHEN day >= ${w.last30.from} AND day <= ${w.last30.to} THEN count ELSE 0 END),
  count(DISTINCT CASE WHEN day >= ${w.month.from} AND day <= ${w.month.to} AND consumer <> '' THEN consumer END),
  max(CASE WHEN count > 0 THEN day END)
FROM usage_daily
WHERE tenant_id = ${tenantId} AND day >= ${w.lo} AND day <= ${w.hi}
GROUP BY product_id`;
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

/** Cost of every product (and '' for unattributed) in the three scorecard windows. */
export async function costSums(ctx: TenantCtx, w: ScorecardWindows): Promise<Map<string, CostSums>> {
  const rows = await rawRows(ctx, scorecardCostSql(ctx.tenantId, w));
  return new Map(rows.map((r) => [r[0] as string, { monthMicros: r[1] as number, previousMicros: r[2] as number, last30Micros: r[3] as number }]));
}

export async function usageSums(ctx: TenantCtx, w: ScorecardWindows): Promise<Map<string, UsageSums>> {
  const rows = await rawRows(ctx, scorecardUsageSql(ctx.tenantId, w));
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

/** Latest result of each check (per check and column) of the datasets observed since `since`, by dataset; summarizeChecks reads them. */
export async function latestCheckStatuses(ctx: TenantCtx, datasetIds: string[], since: number): Promise<Map<string, QualityStatus[]>> {
  if (!datasetIds.length) return new Map();
  const rows = await queryAll<{ dataset_id: string; status: QualityStatus }>(
    ctx,
    sql`SELECT q.dataset_id, q.status, max(q.observed_at) FROM json_each(${JSON.stringify(datasetIds)}) s
        CROSS JOIN quality_results q ON q.tenant_id = ${ctx.tenantId} AND q.dataset_id = s.value AND q.observed_at >= ${since}
        GROUP BY q.dataset_id, q.check_name, coalesce(q.column_name, '')`,
  );
  const out = new Map<string, QualityStatus[]>();
  for (const r of rows) out.set(r.dataset_id, [...(out.get(r.dataset_id) ?? []), r.status]);
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

const filterColumn: Record<keyof ExplorerFilter, string> = { teamId: "team_id", productId: "product_id", pipelineId: "pipeline_id", source: "source" };

/**
 * The explorer query (shared with bench/cost), `from`–`to` inclusive. Without filters it reads the per-dimension
 * totals (a row per key and day); with filters, the full daily rollup. Column names come from the closed maps above.
 */
export function explorerSql(
  tenantId: string,
  q: { from: string; to: string; groupBy: ExplorerDimension; granularity: Granularity; filter: ExplorerFilter },
): SQL {
  const bucket = sql.raw(bucketOf[q.granularity]);
  const filters = (Object.keys(q.filter) as Array<keyof ExplorerFilter>).filter((k) => q.filter[k] !== undefined);
  if (!filters.length) {
    return sql`
SELECT ${bucket} AS bucket, key, sum(amount_micros), sum(records)
FROM cost_daily_totals
WHERE tenant_id = ${tenantId} AND dimension = ${q.groupBy} AND day >= ${q.from} AND day <= ${q.to}
GROUP BY bucket, key
ORDER BY bucket, key`;
  }
  const where = sql.join(
    filters.map((f) => sql`AND ${sql.raw(filterColumn[f])} = ${q.filter[f]}`),
    sql` `,
  );
  return sql`
SELECT ${bucket} AS bucket, ${sql.raw(columnOf[q.groupBy])} AS key, sum(amount_micros), sum(records)
FROM cost_daily
WHERE tenant_id = ${tenantId} AND day >= ${q.from} AND day <= ${q.to} ${where}
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
  const rows = await rawRows(ctx, explorerSql(ctx.tenantId, q));
  return rows.map((r) => ({ bucket: r[0] as string, key: r[1] as string, amountMicros: r[2] as number, records: r[3] as number }));
}

/** Display names of explorer keys. */
export async function labelsOf(ctx: TenantCtx, dimension: ExplorerDimension, keys: string[]): Promise<Map<string, string>> {
  const ids = keys.filter(Boolean);
  if (dimension === "source" || !ids.length) return new Map(ids.map((k) => [k, k]));
  const table = sql.raw({ team: "teams", product: "products", pipeline: "pipelines" }[dimension]);
  const label = sql.raw(dimension === "product" ? "title" : "name");
  const rows = await rawRows(
    ctx,
    sql`SELECT id, ${label} FROM ${table} WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
  );
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
