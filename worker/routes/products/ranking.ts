import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getCostSettings } from "../../db/repo/costs/settings";
import { costSums } from "../../db/repo/costs/reports";
import { scorecards } from "../../db/repo/products/scorecard";
import { listProducts } from "../../db/repo/products/products";
import { fromMicros } from "../../costs/money";
import { dayOf, monthOf } from "../../costs/period";
import { scorecardWindows } from "../../costs/windows";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { PeriodQuery, RangeQuery, ScorecardOut, WindowOut, scorecardOut, windowOut } from "./scorecard-schemas";

const RankingOut = z
  .object({
    period: z.string(),
    currency: z.string(),
    month: z.object({ from: z.string(), to: z.string() }).openapi({ description: "Days the window figures cover (window.from, window.to)" }),
    window: WindowOut,
    totals: z.object({
      month_to_date: z.number().openapi({ description: "All spend over the window (month to date by default), products or not" }),
      unattributed_month_to_date: z.number().openapi({ description: "Spend over the window no product claims" }),
      previous_same_days: z.number(),
      zombies: z.number().int(),
      needs_attention: z.number().int().openapi({ description: "Products whose health needs attention (health.needs_attention), zombies included" }),
      saved: z.number().nullable().openapi({
        description: "Cost avoided by unused policies across products (sum of items' saved.amount); null when no policy acted or none has a measured cost",
      }),
    }),
    items: z.array(ScorecardOut),
  })
  .openapi("ProductRanking");

export const route = createRoute({
  method: "get",
  path: "/scorecard",
  tags: ["products"],
  summary: "Every product's scorecard, ranked by declared value ÷ cost, zombies (cost, no use in 30 days) last",
  security: bearerSecurity,
  request: { query: z.object({ period: PeriodQuery, range: RangeQuery, owner_team_id: z.string().max(64).optional() }) },
  responses: { 200: jsonResponse(RankingOut, "Ranked scorecards"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const now = c.get("clock").now();
    const period = q.period ?? monthOf(now);
    const w = scorecardWindows(period, dayOf(now), q.range);
    const [products, settings, sums] = await Promise.all([listProducts(ctx, { ownerTeamId: q.owner_team_id }), getCostSettings(ctx), costSums(ctx, w)]);
    const cards = await scorecards(ctx, products, w, now);
    let month = 0;
    let previous = 0;
    for (const s of sums.values()) {
      month += s.monthMicros;
      previous += s.previousMicros;
    }
    return send(c, 200, RankingOut, {
      period,
      currency: settings.currency,
      month: w.month,
      window: windowOut(w),
      totals: {
        month_to_date: fromMicros(month),
        unattributed_month_to_date: fromMicros(sums.get("")?.monthMicros ?? 0),
        previous_same_days: fromMicros(previous),
        zombies: cards.filter((x) => x.zombie).length,
        needs_attention: cards.filter((x) => x.health.needsAttention).length,
        saved: totalSaved(cards),
      },
      items: cards.map(scorecardOut),
    });
  });
}

/** Sum of the products' known savings; null when none has a figure. */
function totalSaved(cards: Array<{ saved: { savedMicros: number | null } | null }>): number | null {
  const known = cards.map((c) => c.saved?.savedMicros ?? null).filter((x): x is number => x !== null);
  return known.length ? fromMicros(known.reduce((a, b) => a + b, 0)) : null;
}
