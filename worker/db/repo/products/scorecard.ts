import { isZombie, perUnit, rank, trend, valueRatio, valueState, type ValueState } from "../../../costs/scorecard";
import type { ScorecardWindows } from "../../../costs/windows";
import { freshnessStatus, type FreshnessStatus } from "../../../lineage/freshness";
import { qualitySince, summarizeChecks, type CheckSummary } from "../../../lineage/dataset-health";
import { productHealth, type ProductHealth } from "../../../products/health";
import { productUpdatedAt, slaAttainment } from "../../../products/reliability";
import type { TenantCtx } from "../../client";
import { costSums, lastWrites, latestCheckStatuses, runCounts, updateTimes, usageSums } from "../costs/reports";
import { datasetsOfProducts, pipelinesOfProducts, type ProductDataset, type ProductPipeline } from "./membership";
import type { ProductRow } from "./products";
import { openAlertCounts } from "./alerts";
import { savingsOfProducts, type ProductSavings } from "../../../products/unused-savings";

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
  usage: {
    month: number;
    previous: number;
    trend: number | null;
    last30: number;
    consumers: number;
    lastUsedDay: string | null;
    /** The workspace reported some usage in the last 30 days; false: usage unknown, so no product is a zombie. */
    known: boolean;
  };
  value: { declaredMicros: number | null; ratio: number | null; state: ValueState };
  zombie: boolean;
  reliability: {
    runs: number;
    succeeded: number;
    successRate: number | null;
    target: number | null;
    freshness: FreshnessStatus | null;
    updatedAt: number | null;
  };
  quality: CheckSummary & { passRate: number | null };
  openAlerts: number | null;
  health: ProductHealth;
  /** What the product's unused policy saved by slowing or pausing its pipelines; null when it never acted. */
  saved: ProductSavings | null;
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
  const [cost, usage, pipelines, datasets, alerts, savings] = await Promise.all([
    costSums(ctx, w),
    usageSums(ctx, w),
    pipelinesOfProducts(ctx, ids),
    datasetsOfProducts(ctx, ids),
    openAlertCounts(
      ctx,
      products.map((p) => ({ id: p.p.id, name: p.p.name })),
    ),
    savingsOfProducts(ctx, ids, now),
  ]);
  const allDatasets = [...new Set(datasets.map((d) => d.datasetId))];
  // Any product's (or unassigned) use in the trailing 30 days: the workspace measures usage at all.
  const usageReported = [...usage.values()].some((u) => u.last30 > 0);
  const [runs, writes, quality] = await Promise.all([
    runCounts(ctx, [...new Set(pipelines.map((p) => p.pipelineId))], since),
    lastWrites(ctx, allDatasets),
    latestCheckStatuses(ctx, allDatasets, qualitySince(now)),
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
    const checks = summarizeChecks(myDatasets.flatMap((d) => quality.get(d.datasetId) ?? []));
    const ratio = valueRatio(p.valueMicros, c.last30Micros);
    const zombie = isZombie({ cost30dMicros: c.last30Micros, uses30d: u.last30 }, usageReported);
    const freshness = sla ? freshnessStatus(sla, updatedAt, now) : null;
    const successRate = total ? succeeded / total : null;
    const openAlerts = alerts ? (alerts.get(p.id) ?? 0) : null;
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
      usage: { ...u, trend: trend(u.month, u.previous), known: usageReported },
      value: { declaredMicros: p.valueMicros, ratio, state: valueState(ratio, zombie) },
      zombie,
      reliability: { runs: total, succeeded, successRate, target: p.slaSuccessTarget, freshness, updatedAt },
      quality: { ...checks, passRate: checks.checks ? checks.passing / checks.checks : null },
      openAlerts,
      health: productHealth({
        openAlerts,
        freshness: freshness?.state ?? "no_policy",
        successRate,
        successRateTarget: p.slaSuccessTarget,
        zombie,
      }),
      saved: savings.get(p.id) ?? null,
      rank: 0,
    };
  });
  const order = rank(cards.map((c) => ({ productId: c.product.p.id, ratio: c.value.ratio, zombie: c.zombie, cost30dMicros: c.cost.last30Micros })));
  const position = new Map(order.map((o, i) => [o.productId, i + 1]));
  return cards.map((c) => ({ ...c, rank: position.get(c.product.p.id)! })).sort((a, b) => a.rank - b.rank);
}

/** SLA attainment of one product between `since` and `until` (epoch ms): share of freshness deadlines met. */
export async function productSlaAttainment(ctx: TenantCtx, card: Scorecard, since: number, until: number) {
  const p = card.product.p;
  if (!p.slaCron || !p.slaTimezone || p.slaMaxAgeMs == null) return null;
  const times = await updateTimes(
    ctx,
    card.pipelines.map((x) => x.pipelineId),
    card.datasets.map((d) => d.datasetId),
    since - p.slaMaxAgeMs,
  );
  return slaAttainment({ cron: p.slaCron, timezone: p.slaTimezone, maxAgeMs: p.slaMaxAgeMs }, times, since, until);
}
