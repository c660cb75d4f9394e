import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listDbtUploads } from "../../db/repo/lineage/dbt";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadProject } from "./load";
import { DbtUploadList, dbtUploadOut } from "./schemas";

const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/dbt/projects/{id}/uploads",
  tags: ["dbt"],
  summary: "Artifact uploads of a project, newest first",
  security: bearerSecurity,
  request: { params: IdParam, query: z.object(pageQuery) },
  responses: { 200: jsonResponse(DbtUploadList, "Uploads"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, project } = await loadProject(c, c.req.valid("param").id);
    const q = c.req.valid("query");
    const rows = await listDbtUploads(ctx, project.id, { before: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return send(c, 200, DbtUploadList, { items: result.items.map(dbtUploadOut), next_cursor: result.next_cursor });
  });
}
