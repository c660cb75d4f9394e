import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getVersion } from "../../db/repo/pipelines/versions";
import { listEnvironmentHeads } from "../../db/repo/pipelines/environments";
import { ApiError } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { pipelineActivity } from "./activity";
import { loadPipeline } from "./load";
import { NameParam, originOf, PipelineDetailOut, pipelineOut, sourceOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/pipelines/{name}",
  tags: ["pipelines"],
  summary: "Get a pipeline with its current normalized spec, next scheduled run and latest runs (archived pipelines too)",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: { 200: jsonResponse(PipelineDetailOut, "The pipeline"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, pipeline, team } = await loadPipeline(c, c.req.valid("param").name);
    const [version, activity, heads] = await Promise.all([
      getVersion(ctx, pipeline.currentVersionId),
      pipelineActivity(ctx, [pipeline], c.get("clock").now()),
      listEnvironmentHeads(ctx, pipeline.id),
    ]);
    if (!version) throw new ApiError("internal", "the pipeline's current version is missing");
    const environments = heads.map((h) => ({
      environment: h.environment,
      version: { id: h.versionId, number: h.version },
      source: sourceOut(h),
      origin: originOf(h),
      updated_at: new Date(h.updatedAt).toISOString(),
    }));
    return send(c, 200, PipelineDetailOut, { ...pipelineOut(pipeline, team), ...activity.get(pipeline.id)!, spec: version.spec, environments });
  });
}
