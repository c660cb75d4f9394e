import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { fromMicros } from "../../costs/money";
import { explorerDimensions, granularities } from "../../db/repo/costs/reports";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { ExplorerQuery, runExplorer } from "./explorer-query";

const ExplorerOut = z
  .object({
    from: z.string(),
    to: z.string(),
    group_by: z.enum(explorerDimensions),
    granularity: z.enum(granularities),
    currency: z.string(),
    buckets: z.array(z.string()).openapi({ description: "Days, Mondays of weeks, or months (YYYY-MM)" }),
    series: z.array(
      z.object({
        key: z.string().nullable().openapi({ description: "Team, product or pipeline id, or source; null for spend with none" }),
        label: z.string(),
        total: z.number(),
        records: z.number().int().openapi({ description: "Allocations summed (a record split across two products counts in both)" }),
        amounts: z.array(z.number()).openapi({ description: "One amount per bucket" }),
      }),
    ),
    total: z.number(),
  })
  .openapi("CostExplorer");

export const route = createRoute({
  method: "get",
  path: "/costs/explorer",
  tags: ["costs"],
  summary: "Spend over time grouped by team, product, pipeline or source (from the daily rollup)",
  security: bearerSecurity,
  request: { query: ExplorerQuery },
  responses: { 200: jsonResponse(ExplorerOut, "Series per group"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const r = await runExplorer(c, c.req.valid("query"));
    return send(c, 200, ExplorerOut, {
      from: r.from,
      to: r.to,
      group_by: r.groupBy,
      granularity: r.granularity,
      currency: r.currency,
      buckets: r.buckets,
      series: r.series.map((s) => ({
        key: s.key || null,
        label: s.label,
        total: fromMicros(s.totalMicros),
        records: s.records,
        amounts: s.amountsMicros.map(fromMicros),
      })),
      total: fromMicros(r.series.reduce((a, s) => a + s.totalMicros, 0)),
    });
  });
}
