import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { auditInsert } from "../../db/repo/audit";
import { getPipelineByName } from "../../db/repo/pipelines";
import { getRunDetail } from "../../db/repo/runs";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { ApiError, notFound } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { RunDetailOut, runDetailOut } from "./schemas";

const CreateRunBody = z
  .strictObject({
    params: z.record(z.string(), z.unknown()).default({}).openapi({ description: "Overrides the spec's default params" }),
  })
  .openapi("CreateRunRequest");

export const route = createRoute({
  method: "post",
  path: "/pipelines/{name}/runs",
  tags: ["runs"],
  summary: "Start a run of the pipeline's current version (send Idempotency-Key to make retries safe)",
  security: bearerSecurity,
  request: { params: z.object({ name: z.string().min(1).max(64) }), ...jsonBody(CreateRunBody) },
  responses: { 201: jsonResponse(RunDetailOut, "The run (queued, running, or skipped per the concurrency policy)"), ...errors(400, 401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId);
    const pipeline = await getPipelineByName(ctx, c.req.valid("param").name);
    if (!pipeline || pipeline.archivedAt) throw notFound("pipeline");
    requireTeamWrite(p, pipeline.teamId, "runs:write");
    const body = c.req.valid("json");
    const summary = unwrap(await tenantRuns(c.env, p.tenantId).createRun({
      tenantId: p.tenantId,
      pipelineId: pipeline.id,
      trigger: { kind: p.viaSession ? "manual" : "api", by: p.actor.label, ref: null },
      params: body.params,
    }));
    await auditInsert(ctx, auditSource(c), { action: "run.created", targetType: "run", targetId: summary.id, teamId: pipeline.teamId, details: { pipeline: pipeline.name } });
    const detail = await getRunDetail(ctx, summary.id);
    if (!detail) throw new ApiError("internal", "run was created but is not readable yet");
    return send(c, 201, RunDetailOut, runDetailOut(detail));
  });
}
