import type { z } from "@hono/zod-openapi";
import type { TenantCtx } from "../../db/client";
import type { Pipeline } from "../../db/repo/pipelines/pipelines";
import { recentRunsByPipeline } from "../../db/repo/runs/runs";
import { nextSlot } from "../../engine/cron";
import { isoOrNull } from "../shared";
import type { RecentRunOut } from "./schemas";

/** How many of a pipeline's latest runs the list shows as coloured dots. */
export const RECENT_RUNS = 10;

export interface PipelineActivity {
  next_run_at: string | null;
  recent_runs: z.input<typeof RecentRunOut>[];
}

/**
 * When the schedule fires next, the same way the scheduler computes it (the first cron slot after now in
 * the schedule's timezone); null when nothing will start on its own: no schedule, paused or archived.
 */
export function nextRunAt(p: Pick<Pipeline, "cron" | "scheduleOverride" | "timezone" | "paused" | "archivedAt">, now: number): number | null {
  if (!p.cron || !p.timezone || p.paused || p.archivedAt !== null) return null;
  // A slowed pipeline runs on the override, as the scheduler does.
  return nextSlot(p.scheduleOverride ?? p.cron, p.timezone, now);
}

/** Next scheduled start and latest runs of each pipeline, keyed by pipeline id, in one query for the whole page. */
export async function pipelineActivity(ctx: TenantCtx, pipelines: Pipeline[], now: number): Promise<Map<string, PipelineActivity>> {
  const runs = await recentRunsByPipeline(
    ctx,
    pipelines.map((p) => p.id),
    RECENT_RUNS,
  );
  const out = new Map<string, PipelineActivity>(pipelines.map((p) => [p.id, { next_run_at: isoOrNull(nextRunAt(p, now)), recent_runs: [] }]));
  for (const r of runs) {
    out.get(r.pipeline_id)?.recent_runs.push({
      id: r.id,
      status: r.status as z.input<typeof RecentRunOut>["status"],
      queued_at: new Date(r.queued_at).toISOString(),
      finished_at: isoOrNull(r.finished_at),
    });
  }
  return out;
}
