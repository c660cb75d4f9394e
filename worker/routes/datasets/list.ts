import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listDatasets } from "../../db/repo/lineage/catalog";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { DatasetList, summaryOut } from "./schemas";

const Query = z.object({
  q: z.string().trim().min(1).max(200).optional().openapi({ description: "Substring of the name or namespace" }),
  namespace: z.string().max(4096).optional().openapi({ description: "Exact namespace" }),
  name: z.string().max(4096).optional().openapi({ description: "Exact name (with namespace: look a dataset up by name)" }),
  kind: z.string().max(64).optional(),
  owner_team_id: z.string().max(64).optional().openapi({ description: "Datasets this team owns (declared, or inherited from the writing pipeline)" }),
  ...pageQuery,
});
const Cursor = z.object({ namespace: z.string(), name: z.string() });

export const route = createRoute({
  method: "get",
  path: "/datasets",
  tags: ["catalog"],
  summary: "Search and list datasets of the tenant (all teams' datasets are visible)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(DatasetList, "Datasets ordered by namespace and name"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const rows = await listDatasets(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      q: q.q,
      namespace: q.namespace,
      name: q.name,
      kind: q.kind,
      ownerTeamId: q.owner_team_id,
      after: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ namespace: r.d.namespace, name: r.d.name }));
    return send(c, 200, DatasetList, { items: result.items.map(summaryOut), next_cursor: result.next_cursor });
  });
}
