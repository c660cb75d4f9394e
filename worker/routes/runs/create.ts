import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { auditInsert } from "../../db/repo/platform/audit";
import { environmentBindings } from "../../db/repo/connections/environments";
import { getPipelineByName } from "../../db/repo/pipelines/pipelines";
import { getRunDetail } from "../../db/repo/runs/runs";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { ENVIRONMENT_NAME, PROD } from "../../environments/names";
import { ApiError, invalid, notFound } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { HttpUrl } from "../../lib/urls";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { RunDetailOut, runDetailOut } from "./schemas";

const CiContext = z
  .strictObject({
    pr_number: z.number().int().positive().optional(),
    commit_sha: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/i, "a git commit SHA")
      .optional(),
    branch: z.string().min(1).max(255).optional(),
    repo: z.string().min(1).max(300).optional().openapi({ example: "acme/analytics" }),
    url: HttpUrl.max(2000).optional().openapi({ description: "The CI job or pull request page (http or https)" }),
  })
  .openapi({ description: "Which pull request and commit a CI run checks; `tutti run --env ci` fills it from GitHub Actions" });

const CreateRunBody = z
  .strictObject({
    params: z.record(z.string(), z.unknown()).default({}).openapi({ description: "Overrides the spec's default params" }),
    environment: z
      .string()
      .regex(ENVIRONMENT_NAME, "an environment name")
      .optional()
      .openapi({ description: "Default `prod`. Another environment runs its own version of the pipeline (else production's) with its connection bindings" }),
    ci: CiContext.optional(),
  })
  .openapi("CreateRunRequest");

export const route = createRoute({
  method: "post",
  path: "/pipelines/{name}/runs",
  tags: ["runs"],
  summary: "Start a run of the pipeline's current version (send Idempotency-Key to make retries safe)",
  description:
    "With `environment` other than `prod` the run uses that environment's version and connection bindings, is listed with `?environment=`, " +
    "fires no `after:` triggers and is left out of production reliability figures.",
  security: bearerSecurity,
  request: { params: z.object({ name: z.string().min(1).max(64) }), ...jsonBody(CreateRunBody) },
  responses: { 201: jsonResponse(RunDetailOut, "The run (queued, running, or skipped per the concurrency policy)"), ...errors(400, 401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const body = c.req.valid("json");
    const environment = body.environment ?? PROD;
    const pipeline = await getPipelineByName(ctx, c.req.valid("param").name);
    // A pipeline pushed only from branches does not exist for production.
    if (!pipeline || pipeline.archivedAt || (environment === PROD && !pipeline.inProduction)) throw notFound("pipeline");
    requireTeamWrite(p, pipeline.teamId, "runs:write");
    if ((await environmentBindings(ctx, pipeline.teamId, environment)) === null) {
      throw invalid(
        "environment",
        `the pipeline's team has no environment "${environment}"; declare it with PUT /api/v1/teams/{id}/environments/${environment}`,
      );
    }
    const ci = body.ci
      ? {
          pr_number: body.ci.pr_number ?? null,
          commit_sha: body.ci.commit_sha ?? null,
          branch: body.ci.branch ?? null,
          repo: body.ci.repo ?? null,
          url: body.ci.url ?? null,
        }
      : null;
    const summary = unwrap(
      await tenantRuns(c.env, p.tenantId).createRun({
        tenantId: p.tenantId,
        pipelineId: pipeline.id,
        trigger: { kind: p.viaSession ? "manual" : "api", by: p.actor.label, ref: null },
        params: body.params,
        environment,
        ci,
      }),
    );
    await auditInsert(ctx, auditSource(c), {
      action: "run.created",
      targetType: "run",
      targetId: summary.id,
      teamId: pipeline.teamId,
      details: { pipeline: pipeline.name, ...(environment !== PROD ? { environment } : {}), ...(ci?.pr_number ? { pr_number: ci.pr_number } : {}) },
    });
    const detail = await getRunDetail(ctx, summary.id);
    if (!detail) throw new ApiError("internal", "run was created but is not readable yet");
    return send(c, 201, RunDetailOut, runDetailOut(detail));
  });
}
