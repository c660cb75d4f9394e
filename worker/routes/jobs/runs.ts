import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getJob, listJobRuns } from "../../db/repo/lineage/catalog";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { JobRunOut, jobRunOut } from "../lineage/catalog-schemas";

const Cursor = z.object({ at: z.number(), id: z.string() });
const JobRunList = z.object({ items: z.array(JobRunOut), next_cursor: z.string().nullable() }).openapi("JobRunList");

export const route = createRoute({
  method: "get",
  path: "/jobs/{id}/runs",
  tags: ["catalog"],
  summary: "Runs of a job, newest first",
  security: bearerSecurity,
  request: { params: IdParam, query: z.object(pageQuery) },
  responses: { 200: jsonResponse(JobRunList, "Runs"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const job = await getJob(ctx, c.req.valid("param").id);
    if (!job) throw notFound("job");
    const q = c.req.valid("query");
    const rows = await listJobRuns(ctx, job.j.id, { before: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return send(c, 200, JobRunList, { items: result.items.map(jobRunOut), next_cursor: result.next_cursor });
  });
}
