import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { setPaused } from "../../db/repo/pipelines/pipelines";
import { conflict } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadPipeline, syncScheduler } from "./load";
import { NameParam, PipelineOut, pipelineOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/pipelines/{name}/resume",
  tags: ["pipelines"],
  summary: "Resume a paused pipeline; missed schedule slots are not back-filled",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: { 200: jsonResponse(PipelineOut, "The pipeline (unchanged if it already was)"), ...errors(400, 401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, pipeline, team } = await loadPipeline(c, c.req.valid("param").name);
    requireTeamWrite(p, pipeline.teamId, "pipelines:write");
    if (pipeline.archivedAt !== null) throw conflict("the pipeline is archived; push its spec again to restore it");
    const result = await setPaused(ctx, auditSource(c), pipeline, false);
    if (result.changed) await syncScheduler(c, pipeline.id);
    return send(c, 200, PipelineOut, pipelineOut(result.pipeline, team));
  });
}
