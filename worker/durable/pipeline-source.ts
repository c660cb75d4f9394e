import { createDb, tenantCtx } from "../db/client";
import { getPipelineById, getVersion } from "../db/repo/pipelines";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import type { NormalizedSpec } from "../pipelines/spec";

/** A pipeline and its current version, as a new run pins it. */
export interface LoadedPipeline {
  pipelineId: string;
  name: string;
  teamId: string;
  paused: boolean;
  archived: boolean;
  versionId: string;
  version: number;
  spec: NormalizedSpec;
}

export async function loadPipelineForRun(env: Env, tenantId: string, pipelineId: string): Promise<LoadedPipeline> {
  const ctx = tenantCtx(createDb(env.DB), tenantId);
  const pipeline = await getPipelineById(ctx, pipelineId);
  if (!pipeline) throw new ApiError("not_found", "pipeline not found");
  const version = await getVersion(ctx, pipeline.currentVersionId);
  if (!version) throw new ApiError("not_found", "pipeline version not found");
  return {
    pipelineId: pipeline.id,
    name: pipeline.name,
    teamId: pipeline.teamId,
    paused: pipeline.paused,
    archived: pipeline.archivedAt !== null,
    versionId: version.id,
    version: version.version,
    spec: version.spec,
  };
}
