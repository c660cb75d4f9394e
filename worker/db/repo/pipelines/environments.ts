import { and, asc, eq } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelineEnvironments } from "../../schema";
import { PROD } from "../../../environments/names";
import type { Pipeline } from "./pipelines";
import { getVersion, type PipelineVersion } from "./versions";

/** The version a non-production environment runs (no row: it runs production's). */
export type EnvironmentHead = typeof pipelineEnvironments.$inferSelect;

export const headKey = (ctx: TenantCtx, pipelineId: string, environment: string) =>
  and(eq(pipelineEnvironments.tenantId, ctx.tenantId), eq(pipelineEnvironments.pipelineId, pipelineId), eq(pipelineEnvironments.environment, environment));

export async function getEnvironmentHead(ctx: TenantCtx, pipelineId: string, environment: string): Promise<EnvironmentHead | null> {
  const [row] = await ctx.db
    .select()
    .from(pipelineEnvironments)
    .where(headKey(ctx, pipelineId, environment))
    .limit(1);
  return row ?? null;
}

/** Every non-production environment with its own version of the pipeline, by name. */
export async function listEnvironmentHeads(ctx: TenantCtx, pipelineId: string): Promise<EnvironmentHead[]> {
  return ctx.db
    .select()
    .from(pipelineEnvironments)
    .where(and(eq(pipelineEnvironments.tenantId, ctx.tenantId), eq(pipelineEnvironments.pipelineId, pipelineId)))
    .orderBy(asc(pipelineEnvironments.environment));
}

/** The version production runs, or null while the pipeline exists only in other environments. */
export async function productionVersion(ctx: TenantCtx, pipeline: Pipeline | null): Promise<PipelineVersion | null> {
  return pipeline?.inProduction ? getVersion(ctx, pipeline.currentVersionId) : null;
}

/**
 * The version `environment` runs: production's current version for `prod`; for another environment its
 * own head, else production's. Null when there is none (a branch-only pipeline asked for in prod).
 */
export async function versionForEnvironment(ctx: TenantCtx, pipeline: Pipeline, environment: string): Promise<PipelineVersion | null> {
  if (environment === PROD) return productionVersion(ctx, pipeline);
  const head = await getEnvironmentHead(ctx, pipeline.id, environment);
  return head ? getVersion(ctx, head.versionId) : productionVersion(ctx, pipeline);
}
