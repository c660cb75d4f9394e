import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { facetsOf, getJob, getJobRun } from "../../db/repo/lineage/catalog";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { JobOut, jobSummaryOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/jobs/{id}",
  tags: ["catalog"],
  summary: "A job with its facets (jobType, sql, documentation, sourceCodeLocation…)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(JobOut, "The job"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const row = await getJob(ctx, c.req.valid("param").id);
    if (!row) throw notFound("job");
    const [facets, latest] = await Promise.all([facetsOf(ctx, row.j.id), row.j.latestRunId ? getJobRun(ctx, row.j.latestRunId) : null]);
    return send(c, 200, JobOut, {
      ...jobSummaryOut(row.j, row.teamName, latest?.run.state ?? null),
      facets,
      created_at: new Date(row.j.createdAt).toISOString(),
    });
  });
}
