import { isZombie, perUnit, rank, trend, valueRatio } from "../../../costs/scorecard";
import type { ScorecardWindows } from "../../../costs/windows";
import { freshnessStatus, type FreshnessStatus } from "../../../lineage/freshness";
import { productUpdatedAt, slaAttainment } from "../../../products/reliability";
import type { TenantCtx } from "../../client";
import { costSums, lastWrites, qualityCounts, runCounts, updateTimes, usageSums } from "../costs/reports";
import { datasetsOfProducts, pipelinesOfProducts, type ProductDataset, type ProductPipeline } from "./membership";
import type { ProductRow } from "./products";
import { openAlertCounts } from "./alerts";

const DAY_MS = 86_400_000;

export interface Scorecard {
  product: ProductRow;
  pipelines: ProductPipeline[];
  datasets: ProductDataset[];
  cost: {
    monthMicros: number;
    previousMicros: number;
    trend: number | null;
    last30Micros: number;
    perUseMicros: number | null;
    perConsumerMicros: number | null;
  };
  usage: { month: number; previous: number; trend: number | null; last30: number; consumers: number; lastUsedDay: string | null };
  value: { declaredMicros: number | null; ratio: number | null };
  zombie: boolean;
  reliability: {
    runs: number;
    succeeded: number;
    successRate: number | null;
    target: number | null;
    freshness: FreshnessStatus | null;
    updatedAt: number | null;
  };
  quality: { checks: number; passing: number; passRate: number | null };
  openAlerts: number | null;
  rank: number;
}

/**
 * Scorecards of the given products for one month: cost and usage from the daily rollups, reliability from
 * the last 30 days of runs, freshness now, quality from each check's latest result, ranked by value ÷ cost.
 */
export async function scorecards(ctx: TenantCtx, products: ProductRow[], w: ScorecardWindows, now: number): Promise<Scorecard[]> {
  if (!products.length) return [];
  const ids = products.map((p) => p.p.id);
  const since = now - 30 * DAY_MS;
  const [cost, usage, pipelines, datasets, alerts] = await Promise.all([
    costSums(ctx, w),
    usageSums(ctx, w),
    pipelinesOfProducts(ctx, ids),
    datasetsOfProducts(ctx, ids),
    openAlertCounts(
      ctx,
      products.map((p) => ({ id: p.p.id, name: p.p.name })),
    ),
  ]);
  const allDatasets = [...new Set(datasets.map((d) => d.datasetId))];
  const [runs, writes, quality] = await Promise.all([
    runCounts(ctx, [...new Set(pipelines.map((p) => p.pipelineId))], since),
    lastWrites(ctx, allDatasets),
    qualityCounts(ctx, allDatasets, since),
  ]);

  const cards = products.map((row) => {
    const p = row.p;
    const c = cost.get(p.id) ?? { monthMicros: 0, previousMicros: 0, last30Micros: 0 };
    const u = usage.get(p.id) ?? { month: 0, previous: 0, last30: 0, consumers: 0, lastUsedDay: null };
    const myPipelines = pipelines.filter((x) => x.productId === p.id);
    const myDatasets = datasets.filter((x) => x.productId === p.id);
    let succeeded = 0;
    let total = 0;
    for (const pl of myPipelines) {
      const r = runs.get(pl.pipelineId);
      succeeded += r?.succeeded ?? 0;
      total += r?.total ?? 0;
    }
    const updatedAt = productUpdatedAt(
      myPipelines.map((pl) => runs.get(pl.pipelineId)?.lastSuccessAt ?? null),
      myDatasets.map((d) => writes.get(d.datasetId) ?? null),
    );
    const sla = p.slaCron && p.slaTimezone && p.slaMaxAgeMs != null ? { cron: p.slaCron, timezone: p.slaTimezone, maxAgeMs: p.slaMaxAgeMs } : null;
    let checks = 0;
    let passing = 0;
    for (const d of myDatasets) {
      const q = quality.get(d.datasetId);
      checks += q?.total ?? 0;
      passing += q?.pass ?? 0;
    }
    const ratio = valueRatio(p.valueMicros, c.last30Micros);
    return {
      product: row,
      pipelines: myPipelines,
      datasets: myDatasets,
      cost: {
        monthMicros: c.monthMicros,
        previousMicros: c.previousMicros,
        trend: trend(c.monthMicros, c.previousMicros),
        last30Micros: c.last30Micros,
        perUseMicros: perUnit(c.monthMicros, u.month),
        perConsumerMicros: perUnit(c.monthMicros, u.consumers),
      },
      usage: { ...u, trend: trend(u.month, u.previous) },
      value: { declaredMicros: p.valueMicros, ratio },
      zombie: isZombie({ cost30dMicros: c.last30Micros, uses30d: u.last30 }),
      reliability: {
        runs: total,
        succeeded,
        successRate: total ? succeeded / total : null,
        target: p.slaSuccessTarget,
        freshness: sla ? freshnessStatus(sla, updatedAt, now) : null,
        updatedAt,
      },
      quality: { checks, passing, passRate: checks ? passing / checks : null },
      openAlerts: alerts ? (alerts.get(p.id) ?? 0) : null,
      rank: 0,
    };
  });
  const order = rank(cards.map((c) => ({ productId: c.product.p.id, ratio: c.value.ratio, zombie: c.zombie, cost30dMicros: c.cost.last30Micros })));
  const position = new Map(order.map((o, i) => [o.productId, i + 1]));
  return cards.map((c) => ({ ...c, rank: position.get(c.product.p.id)! })).sort((a, b) => a.rank - b.rank);
}

/** SLA attainment of one product over the last 30 days: share of freshness deadlines met. */
export async function productSlaAttainment(ctx: TenantCtx, card: Scorecard, now: number) {
  const p = card.product.p;
  if (!p.slaCron || !p.slaTimezone || p.slaMaxAgeMs == null) return null;
  const since = now - 30 * DAY_MS;
  const times = await updateTimes(
    ctx,
    card.pipelines.map((x) => x.pipelineId),
    card.datasets.map((d) => d.datasetId),
    since - p.slaMaxAgeMs,
  );
  return slaAttainment({ cron: p.slaCron, timezone: p.slaTimezone, maxAgeMs: p.slaMaxAgeMs }, times, since, now);
}
