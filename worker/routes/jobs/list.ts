import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listJobs } from "../../db/repo/lineage/catalog";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { JobList, jobSummaryOut } from "./schemas";

const Query = z.object({
  q: z.string().trim().min(1).max(200).optional().openapi({ description: "Substring of the name or namespace" }),
  namespace: z.string().max(4096).optional(),
  name: z.string().max(4096).optional(),
  ...pageQuery,
});
const Cursor = z.object({ namespace: z.string(), name: z.string() });

export const route = createRoute({
  method: "get",
  path: "/jobs",
  tags: ["catalog"],
  summary: "Search and list jobs (OpenLineage jobs, dbt tests and invocations, Tutti tasks)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(JobList, "Jobs ordered by namespace and name"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const rows = await listJobs(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      q: q.q,
      namespace: q.namespace,
      name: q.name,
      after: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ namespace: r.j.namespace, name: r.j.name }));
    return send(c, 200, JobList, { items: result.items.map((r) => jobSummaryOut(r.j, r.teamName, r.latestState)), next_cursor: result.next_cursor });
  });
}
