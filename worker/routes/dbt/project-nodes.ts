import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listDbtNodes } from "../../db/repo/lineage/dbt";
import { decodeCursor, page } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadProject } from "./load";
import { DbtNodeList, dbtNodeOut } from "./schemas";

const Query = z.object({
  resource_type: z.string().max(32).optional().openapi({ example: "model" }),
  q: z.string().trim().min(1).max(200).optional().openapi({ description: "Substring of the unique id" }),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(1000).optional(),
});
const Cursor = z.object({ id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/dbt/projects/{id}/nodes",
  tags: ["dbt"],
  summary: "Nodes of the project's latest manifest (models, seeds, tests…) with each one's last status and timing",
  security: bearerSecurity,
  request: { params: IdParam, query: Query },
  responses: { 200: jsonResponse(DbtNodeList, "Nodes ordered by unique id"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, project } = await loadProject(c, c.req.valid("param").id);
    const q = c.req.valid("query");
    const rows = await listDbtNodes(ctx, project.id, { resourceType: q.resource_type, q: q.q, after: decodeCursor(q.cursor, Cursor)?.id, limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ id: r.uniqueId }));
    return send(c, 200, DbtNodeList, { items: result.items.map(dbtNodeOut), next_cursor: result.next_cursor });
  });
}
