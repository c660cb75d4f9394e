import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { bucketsOf, MAX_BUCKETS, pivot } from "../../costs/explorer";
import { addDays, dayOf, isDay } from "../../costs/period";
import { explorerCells, explorerDimensions, granularities, labelsOf, type ExplorerDimension } from "../../db/repo/costs/reports";
import { tenantCtx } from "../../db/client";
import { getCostSettings } from "../../db/repo/costs/settings";
import { invalid } from "../../lib/errors";
import { requireScope } from "../../lib/principal";

export const ExplorerQuery = z.object({
  from: z.string().optional().openapi({ description: "First day (UTC, YYYY-MM-DD); default 29 days before `to`", example: "2026-06-01" }),
  to: z.string().optional().openapi({ description: "Last day, inclusive; default today", example: "2026-06-30" }),
  group_by: z.enum(explorerDimensions).default("product"),
  granularity: z.enum(granularities).default("day"),
  team_id: z.string().max(64).optional(),
  product_id: z.string().max(64).optional().openapi({ description: "A product id; `none` for spend no product claims" }),
  pipeline_id: z.string().max(64).optional(),
  source: z.string().max(40).optional(),
});

const unassigned: Record<ExplorerDimension, string> = { team: "No team", product: "No product", pipeline: "No pipeline", source: "Unknown source" };

/** The explorer's answer for a query: buckets, one labelled series per key, totals. Shared by the JSON and CSV routes. */
export async function runExplorer(c: Context<AppEnv>, q: z.infer<typeof ExplorerQuery>) {
  const p = c.get("principal");
  requireScope(p, "read");
  const today = dayOf(c.get("clock").now());
  const to = q.to ?? today;
  // `to` is checked before the default `from` is computed from it (date arithmetic on a non-day throws).
  if (!isDay(to)) throw invalid("to", "a day like 2026-06-30");
  const from = q.from ?? addDays(to, -29);
  if (!isDay(from)) throw invalid("from", "a day like 2026-06-01");
  if (from > to) throw invalid("from", "is after `to`");
  const buckets = bucketsOf(from, to, q.granularity);
  if (buckets.length > MAX_BUCKETS)
    throw invalid("from", `the range holds ${buckets.length} ${q.granularity}s; at most ${MAX_BUCKETS} (use a coarser granularity)`);
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const filter = {
    teamId: q.team_id,
    productId: q.product_id === "none" ? "" : q.product_id,
    pipelineId: q.pipeline_id,
    source: q.source,
  };
  const [cells, settings] = await Promise.all([
    explorerCells(ctx, { from, to, groupBy: q.group_by, granularity: q.granularity, filter }),
    getCostSettings(ctx),
  ]);
  const series = pivot(cells, buckets);
  const labels = await labelsOf(
    ctx,
    q.group_by,
    series.map((s) => s.key),
  );
  return {
    from,
    to,
    groupBy: q.group_by,
    granularity: q.granularity,
    currency: settings.currency,
    buckets,
    series: series.map((s) => ({ ...s, label: s.key ? (labels.get(s.key) ?? s.key) : unassigned[q.group_by] })),
  };
}
