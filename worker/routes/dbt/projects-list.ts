import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { findDbtProject, getDbtProject, listDbtProjects } from "../../db/repo/lineage/dbt";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { DbtProjectList, dbtProjectOut } from "./schemas";

const Query = z.object({
  project: z.string().max(100).optional().openapi({ description: "With environment: find one project (e.g. the production state for Slim CI)" }),
  environment: z.string().max(100).optional(),
  ...pageQuery,
});
const Cursor = z.object({ project: z.string(), environment: z.string() });

export const route = createRoute({
  method: "get",
  path: "/dbt/projects",
  tags: ["dbt"],
  summary: "dbt projects per environment known from uploaded artifacts",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(DbtProjectList, "Projects ordered by name and environment"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    if (q.project !== undefined && q.environment !== undefined) {
      const found = await findDbtProject(ctx, q.project, q.environment);
      const row = found ? await getDbtProject(ctx, found.id) : null;
      return send(c, 200, DbtProjectList, { items: row ? [dbtProjectOut(row.p, row.teamName)] : [], next_cursor: null });
    }
    const rows = await listDbtProjects(ctx, { after: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ project: r.p.project, environment: r.p.environment }));
    return send(c, 200, DbtProjectList, { items: result.items.map((r) => dbtProjectOut(r.p, r.teamName)), next_cursor: result.next_cursor });
  });
}
