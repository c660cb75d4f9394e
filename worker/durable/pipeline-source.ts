import { getPipelineById } from "../db/repo/pipelines/pipelines";
import { versionForEnvironment } from "../db/repo/pipelines/environments";
import { PROD } from "../environments/names";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import type { NormalizedSpec } from "../pipelines/spec";
import { tenantContext } from "../db/shards";

/** A pipeline and its current version, as a new run pins it. */
export interface LoadedPipeline {
  pipelineId: string;
  name: string;
  teamId: string;
  paused: boolean;
  archived: boolean;
  /** The cron in effect instead of the spec's while an unused policy has slowed the pipeline. */
  scheduleOverride: string | null;
  versionId: string;
  version: number;
  spec: NormalizedSpec;
}

/**
 * `environment` picks the version: production's current one for `prod` (a pipeline pushed only from
 * branches has none, which reads as not found, so the scheduler drops it); for another environment its
 * own version, else production's.
 */
export async function loadPipelineForRun(env: Env, tenantId: string, pipelineId: string, environment: string = PROD): Promise<LoadedPipeline> {
  const ctx = await tenantContext(env, tenantId);
  const pipeline = await getPipelineById(ctx, pipelineId);
  if (!pipeline) throw new ApiError("not_found", "pipeline not found");
  const version = await versionForEnvironment(ctx, pipeline, environment);
  if (!version)
    throw new ApiError(
      "not_found",
      environment === PROD
        ? "pipeline has no production version (it was pushed only to other environments)"
        : `pipeline has no version in environment "${environment}"`,
    );
  return {
    pipelineId: pipeline.id,
    name: pipeline.name,
    teamId: pipeline.teamId,
    paused: pipeline.paused,
    archived: pipeline.archivedAt !== null,
    scheduleOverride: pipeline.scheduleOverride,
    versionId: version.id,
    version: version.version,
    spec: version.spec,
  };
}
