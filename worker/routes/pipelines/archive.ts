import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { archivePipeline } from "../../db/repo/pipelines/pipelines";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadPipeline, syncScheduler } from "./load";
import { NameParam, PipelineOut, pipelineOut } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/pipelines/{name}",
  tags: ["pipelines"],
  summary: "Archive a pipeline: its schedule and triggers stop, versions and run history stay; pushing the name again restores it",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: { 200: jsonResponse(PipelineOut, "The archived pipeline"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, pipeline, team } = await loadPipeline(c, c.req.valid("param").name);
    requireTeamWrite(p, pipeline.teamId, "pipelines:write");
    const result = await archivePipeline(ctx, auditSource(c), pipeline);
    if (result.changed) await syncScheduler(c, pipeline.id);
    return send(c, 200, PipelineOut, pipelineOut(result.pipeline, team));
  });
}
