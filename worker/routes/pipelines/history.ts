import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { historyByDay, latestRunsInRange, successDurationQuantiles } from "../../db/repo/runs/history";
import { runStatuses } from "../../engine/states";
import { requireScope } from "../../lib/principal";
import { everyDay, historyRanges, historyWindow, successRate } from "../../pipelines/history";
import { bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";
import { loadPipeline } from "./load";
import { NameParam } from "./schemas";

/** The bars of recent runs: enough to see a pattern, few enough to stay one row on a phone. */
const RECENT_LIMIT = 30;

const HistoryQuery = z.object({
  days: z
    .enum(historyRanges.map(String) as [string, ...string[]])
    .default("30")
    .transform(Number)
    .openapi({ description: "How many UTC days back, today included: 7, 30 or 90", example: "30" }),
});

const HistoryOut = z
  .object({
    from: timestamp.openapi({ description: "Start of the first day (UTC) the history covers" }),
    to: timestamp.openapi({ description: "End of today (UTC), exclusive" }),
    summary: z.object({
      runs: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      success_rate: z.number().nullable().openapi({ description: "succeeded / (succeeded + failed); null when no run reached either" }),
      duration_p50_ms: z.number().int().nullable().openapi({ description: "Median start-to-finish time of the successful runs" }),
      duration_p95_ms: z.number().int().nullable(),
    }),
    daily: z
      .array(
        z.object({
          date: z.string().openapi({ example: "2026-12-07" }),
          runs: z.number().int(),
          succeeded: z.number().int(),
          failed: z.number().int(),
          avg_success_ms: z.number().int().nullable().openapi({ description: "Mean duration of the day's successful runs" }),
        }),
      )
      .openapi({ description: "Every day of the range, oldest first, empty days included" }),
    recent: z
      .array(z.object({ id: z.string(), status: z.enum(runStatuses), queued_at: timestamp, duration_ms: z.number().int().nullable() }))
      .openapi({ description: `The latest ${RECENT_LIMIT} runs of the range, oldest first` }),
  })
  .openapi("PipelineHistory");

export const route = createRoute({
  method: "get",
  path: "/pipelines/{name}/history",
  tags: ["pipelines"],
  summary: "A pipeline's production runs over a range: success rate, durations, runs per day and the latest runs",
  security: bearerSecurity,
  request: { params: NameParam, query: HistoryQuery },
  responses: { 200: jsonResponse(HistoryOut, "The pipeline's history"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, pipeline } = await loadPipeline(c, c.req.valid("param").name);
    const range = { pipelineId: pipeline.id, ...historyWindow(c.req.valid("query").days, Date.now()) };
    const [days, [p50, p95], latest] = await Promise.all([
      historyByDay(ctx, range),
      successDurationQuantiles(ctx, range, [0.5, 0.95]),
      latestRunsInRange(ctx, range, RECENT_LIMIT),
    ]);
    const daily = everyDay(days, range.from, range.to);
    const total = (k: "runs" | "succeeded" | "failed") => daily.reduce((n, d) => n + d[k], 0);
    return send(c, 200, HistoryOut, {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      summary: {
        runs: total("runs"),
        succeeded: total("succeeded"),
        failed: total("failed"),
        success_rate: successRate(total("succeeded"), total("failed")),
        duration_p50_ms: p50,
        duration_p95_ms: p95,
      },
      daily,
      recent: latest.reverse().map((r) => ({
        id: r.id,
        status: r.status as (typeof runStatuses)[number],
        queued_at: new Date(r.queued_at).toISOString(),
        duration_ms: r.started_at !== null && r.finished_at !== null ? r.finished_at - r.started_at : null,
      })),
    });
  });
}
