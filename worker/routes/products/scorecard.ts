import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { lastCollectedBySource } from "../../db/repo/costs/collectors";
import { getCostSettings } from "../../db/repo/costs/settings";
import { productCostBySource } from "../../db/repo/costs/reports";
import { productSlaAttainment, scorecards } from "../../db/repo/products/scorecard";
import { topConsumers, usageSeries } from "../../db/repo/costs/usage";
import { addDays, dayOf, dayStart, monthOf } from "../../costs/period";
import { fromMicros } from "../../costs/money";
import { scorecardWindows } from "../../costs/windows";
import { usageKinds } from "../../db/schema/enums";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, isoOrNull, jsonResponse, send } from "../shared";
import { ProductParam } from "./get";
import { loadProduct } from "./load";
import { PeriodQuery, RangeQuery, ScorecardOut, WindowOut, scorecardOut, windowOut } from "./scorecard-schemas";

const ProductScorecardDetail = z
  .object({
    period: z.string(),
    currency: z.string(),
    window: WindowOut.openapi({ description: "The days the window figures, the daily series, top consumers and SLA attainment cover" }),
    scorecard: ScorecardOut,
    sla_attainment: z
      .object({ deadlines: z.number().int(), met: z.number().int(), rate: z.number().nullable() })
      .nullable()
      .openapi({ description: "Freshness deadlines met over the window (up to now); null without a freshness SLA" }),
    cost_by_source: z
      .array(z.object({ day: z.string(), source: z.string(), amount: z.number() }))
      .openapi({ description: "Daily cost by source over the window" }),
    cost_sources: z
      .array(
        z.object({
          source: z.string(),
          amount: z.number().openapi({ description: "Cost from this source over the window" }),
          collected_at: z.string().nullable().openapi({ description: "End of the latest successful collector pass for this source; null for posted costs" }),
        }),
      )
      .openapi({ description: "Each source's cost and when Tutti last collected it, costliest first" }),
    usage_by_kind: z
      .array(z.object({ day: z.string(), kind: z.enum(usageKinds), count: z.number().int() }))
      .openapi({ description: "Daily uses by kind over the window" }),
    top_consumers: z.array(z.object({ consumer: z.string(), count: z.number().int() })).openapi({ description: "Heaviest consumers over the window" }),
    pipelines: z.array(z.object({ id: z.string(), name: z.string(), weight: z.number() })),
    datasets: z.array(z.object({ id: z.string(), via: z.enum(["dataset", "tag", "pattern", "pipeline"]) })),
  })
  .openapi("ProductScorecardDetail");

export const route = createRoute({
  method: "get",
  path: "/products/{id}/scorecard",
  tags: ["products"],
  summary: "A product's scorecard with daily cost by source, usage by kind, SLA attainment and top consumers",
  security: bearerSecurity,
  request: { params: ProductParam, query: z.object({ period: PeriodQuery, range: RangeQuery }) },
  responses: { 200: jsonResponse(ProductScorecardDetail, "The scorecard"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, row, product } = await loadProduct(c, c.req.valid("param").id);
    const now = c.get("clock").now();
    const q = c.req.valid("query");
    const period = q.period ?? monthOf(now);
    const w = scorecardWindows(period, dayOf(now), q.range);
    const [[card], settings] = await Promise.all([scorecards(ctx, [row], w, now), getCostSettings(ctx)]);
    // Deadlines from the window's first day to its end, or to now while the window is still running.
    const until = Math.min(now, dayStart(addDays(w.month.to, 1)));
    const [attainment, costs, usage, consumers, collected] = await Promise.all([
      productSlaAttainment(ctx, card, dayStart(w.month.from), until),
      productCostBySource(ctx, product.id, w.month.from, w.month.to),
      usageSeries(ctx, product.id, w.month.from, w.month.to),
      topConsumers(ctx, product.id, w.month.from, w.month.to, 10),
      lastCollectedBySource(ctx),
    ]);
    const bySource = new Map<string, number>();
    for (const x of costs) bySource.set(x.source, (bySource.get(x.source) ?? 0) + x.amount);
    return send(c, 200, ProductScorecardDetail, {
      period,
      currency: settings.currency,
      window: windowOut(w),
      scorecard: scorecardOut(card),
      sla_attainment: attainment,
      cost_by_source: costs.map((x) => ({ day: x.day, source: x.source, amount: fromMicros(x.amount) })),
      cost_sources: [...bySource]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([source, amount]) => ({ source, amount: fromMicros(amount), collected_at: isoOrNull(collected.get(source)) })),
      usage_by_kind: usage,
      top_consumers: consumers,
      pipelines: card.pipelines.map((x) => ({ id: x.pipelineId, name: x.pipelineName, weight: x.weight })),
      datasets: card.datasets.map((d) => ({ id: d.datasetId, via: d.via })),
    });
  });
}
