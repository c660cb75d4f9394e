import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getPipelineByName } from "../../db/repo/pipelines/pipelines";
import { getTeam } from "../../db/repo/accounts/teams";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { notFound } from "../../lib/errors";

/**
 * The pipeline called `name` with its team. Pipelines are visible to the whole tenant (teams read each
 * other's pipelines to trigger after them and to see who depends on what); writes check the team.
 */
export async function loadPipeline(c: Context<AppEnv>, name: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const pipeline = await getPipelineByName(ctx, name);
  if (!pipeline) throw notFound("pipeline");
  const team = await getTeam(ctx, pipeline.teamId);
  return { ctx, p, pipeline, team: team ? { id: team.id, slug: team.slug, name: team.name } : null };
}

/**
 * Tells the tenant's Durable Object to re-read the pipeline (schedule, paused, archived, triggers, SLA).
 * Runs after the D1 write; a failure surfaces as an error, and pushing again (even unchanged) re-syncs.
 */
export async function syncScheduler(c: Context<AppEnv>, pipelineId: string) {
  const tenantId = c.get("principal").tenantId;
  unwrap(await tenantRuns(c.env, tenantId).syncPipeline(tenantId, pipelineId));
}
